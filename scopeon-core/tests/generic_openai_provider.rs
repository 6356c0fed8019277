//! The Generic OpenAI provider: snapshots of every fixture, the worked examples of
//! docs/providers/generic_openai.md, end-to-end scans through `generic_paths` globs, privacy, and
//! resume properties.

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use scopeon_core::env::Env;
use scopeon_core::fuzz_checks::{ChunkedReader, check_provider_resume, read_file};
use scopeon_core::provider::generic_openai::GenericOpenai;
use scopeon_core::provider::{LineOutcome, Provider, SkipReason, SourceContext};
use scopeon_core::record::{ProviderId, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{GroupKey, ReportQuery, Store, Totals};
use scopeon_core::tail::{Frame, LineReader};
use serde::Serialize;

const REL: &str = "usage.jsonl";

fn fixture(name: &str) -> Vec<u8> {
    let path = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/generic_openai");
    std::fs::read(path.join(name)).unwrap()
}

// ------------------------------------------------------------------------------ snapshots

#[derive(Serialize)]
struct Parsed {
    offset: u64,
    outcome: String,
    records: Vec<UsageRecord>,
}

/// Frames a file as `scan` does and parses every line with one parser.
fn parse_file(name: &str, bytes: &[u8]) -> Vec<Parsed> {
    let mut parser = GenericOpenai
        .parser(&SourceContext::new(format!("logs/{name}")), None)
        .unwrap();
    let mut reader = LineReader::new(bytes, 0, 1 << 20);
    let mut out = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        let (offset, outcome, records) = match frame {
            Frame::Line { bytes, start } => {
                let mut records = Vec::new();
                let outcome = if bytes.iter().all(u8::is_ascii_whitespace) {
                    "blank".to_owned()
                } else if bytes.contains(&0) {
                    "skipped(binary)".to_owned()
                } else {
                    match parser.parse_line(bytes, &mut records) {
                        LineOutcome::Records(n) => format!("records({n})"),
                        LineOutcome::Ignored => "ignored".to_owned(),
                        LineOutcome::Skipped(r) => format!("skipped({r})"),
                    }
                };
                (start, outcome, records)
            }
            Frame::TooLong { start, .. } => (start, "too_long".to_owned(), Vec::new()),
        };
        out.push(Parsed {
            offset,
            outcome,
            records,
        });
    }
    out
}

fn records_of(name: &str) -> Vec<UsageRecord> {
    parse_file(name, &fixture(name))
        .into_iter()
        .flat_map(|p| p.records)
        .collect()
}

#[test]
fn generic_openai_fixtures() {
    insta::glob!("fixtures/generic_openai/*.jsonl", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        insta::assert_yaml_snapshot!(parse_file(name, &bytes));
    });
}

// ------------------------------------------------------------------------- worked examples

/// (input, cache creation, cache read, output, reasoning).
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

/// docs/providers/generic_openai.md, worked example: five events from six lines.
#[test]
fn worked_example() {
    let parsed = parse_file("worked_example.jsonl", &fixture("worked_example.jsonl"));
    let outcomes: Vec<&str> = parsed.iter().map(|p| p.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "records(1)",
            "ignored",
            "records(1)",
            "records(1)",
            "records(1)",
            "records(1)"
        ]
    );
    let r = records_of("worked_example.jsonl");
    assert_eq!(r.len(), 5);
    // SYNTH0001: uncached 1152, cached 2048, out 180.
    assert_eq!(counts(&r[0]), (1152, 0, 2048, 180, 0));
    assert_eq!(r[0].model.as_deref(), Some("gpt-4.1-2025-04-14"));
    assert_eq!(r[0].timestamp_ms, 1_761_400_000_000);
    // SYNTH0002: only the usage chunk counts; out 1400 of which reasoning 1152.
    assert_eq!(counts(&r[1]), (900, 0, 0, 1400, 1152));
    assert_eq!(r[1].dedup_key, "chatcmpl-SYNTH0002@1761400100000");
    // SYNTH0003: uncached 904, cached 4096, output 700 (reasoning 512).
    assert_eq!(counts(&r[2]), (904, 0, 4096, 700, 512));
    assert_eq!(r[2].timestamp_ms, 1_761_400_200_000);
    // SYNTH0004: 1200/64, keyed by the nested response's id.
    assert_eq!(counts(&r[3]), (1200, 0, 0, 64, 0));
    assert_eq!(r[3].dedup_key, "resp_SYNTH0004@1761400300000");
    assert_eq!(r[3].model.as_deref(), Some("gpt-5-mini-2025-08-07"));
    // SYNTH0005: cached 640, uncached 360.
    assert_eq!(counts(&r[4]), (360, 0, 640, 50, 0));
    for rec in &r {
        assert_eq!(rec.session, "worked_example");
        assert_eq!(rec.project, None);
        assert_eq!(rec.requests, 1);
    }
}

#[test]
fn streams_wrappers_and_vendors() {
    // A streamed chat: only the last chunk has usage. vLLM's continuous usage: three copies
    // of one key, the last (final) one wins in the store.
    let r = records_of("chat_stream.jsonl");
    assert_eq!(r.len(), 4);
    assert_eq!(counts(&r[0]), (232, 0, 3968, 57, 0));
    assert!(r[1..].iter().all(|x| x.dedup_key == r[1].dedup_key));
    assert_eq!(counts(&r[3]), (300, 0, 0, 25, 0));

    // Responses streaming: completed and incomplete count, failed without usage does not.
    let r = records_of("responses_stream.jsonl");
    assert_eq!(r.len(), 2);
    assert_eq!(counts(&r[0]), (1616, 0, 16384, 900, 640));
    assert_eq!(r[0].session, "conv_STREAM");
    assert_eq!(r[0].dedup_key, "resp_STREAM02@1761500200000");
    assert_eq!(counts(&r[1]), (2000, 0, 0, 4096, 4096));

    // Proxy wrappers.
    let r = records_of("proxy_wrappers.jsonl");
    assert_eq!(r.len(), 5);
    let got: Vec<(&str, &str, i64)> = r[..4]
        .iter()
        .map(|r| (r.dedup_key.as_str(), r.session.as_str(), r.timestamp_ms))
        .collect();
    assert_eq!(
        got,
        [
            // The response's own `created` beats the wrapper's `timestamp`.
            (
                "chatcmpl-WRAP01@1761469200000",
                "proxy-sess-1",
                1_761_469_200_000
            ),
            // No `created` inside: the wrapper's time, and the bare id.
            ("chatcmpl-WRAP02", "proxy_wrappers", 1_761_469_260_000),
            (
                "resp_WRAP03@1761469300000",
                "proxy_wrappers",
                1_761_469_300_000
            ),
            ("resp_WRAP04", "conv-wrap", 1_761_469_400_000),
        ]
    );
    // An embeddings list under `data`, with no id; the wrapper time has an offset.
    assert!(r[4].dedup_key.starts_with("line:"));
    assert_eq!(
        (r[4].session.as_str(), r[4].timestamp_ms),
        ("proxy-sess-2", 1_761_462_300_000)
    );
    assert_eq!(counts(&r[0]), (476, 0, 1024, 90, 0));
    assert_eq!(counts(&r[1]), (700, 0, 0, 30, 0));
    assert_eq!(counts(&r[2]), (500, 0, 2000, 120, 64));
    assert_eq!(counts(&r[3]), (800, 0, 0, 40, 0));
    assert_eq!(counts(&r[4]), (8, 0, 0, 0, 0));
    assert_eq!(r[4].model.as_deref(), Some("text-embedding-3-small"));

    // Vendor variants.
    let r = records_of("vendor_variants.jsonl");
    assert_eq!(r.len(), 6);
    // DeepSeek reasoner: cached from both spellings, reasoning inside output.
    assert_eq!(counts(&r[0]), (464, 0, 1536, 900, 700));
    // OpenRouter: the cost it reports.
    assert_eq!(counts(&r[1]), (2000, 0, 10000, 400, 0));
    assert_eq!(r[1].reported_cost_pusd, Some(48_600_000_000));
    // An Anthropic-compatible proxy on an OpenAI-shaped usage: writes leave the prompt.
    assert_eq!(counts(&r[2]), (1000, 4000, 15000, 500, 0));
    // Anthropic's own shape: additive buckets.
    assert_eq!(counts(&r[3]), (25, 3000, 12000, 180, 0));
    // `codex exec --json`; the copy without any time is a skip.
    assert_eq!(counts(&r[4]), (4000, 0, 20000, 600, 0));
    // Ollama writes `created` in seconds; a millisecond value is read as such too.
    assert_eq!(r[5].timestamp_ms, 1_761_600_300_000);
    let vendor = parse_file("vendor_variants.jsonl", &fixture("vendor_variants.jsonl"));
    assert_eq!(vendor[5].outcome, "skipped(missing_field)");

    // Weak ids: the same `chatcmpl-447` at two times is two requests; an exact copy is one.
    let r = records_of("weak_ids_and_sessions.jsonl");
    let keys: Vec<&str> = r.iter().map(|r| r.dedup_key.as_str()).collect();
    assert_eq!(keys[0], "chatcmpl-447@1761700000000");
    assert_eq!(keys[1], "chatcmpl-447@1761700100000");
    assert_eq!(keys[1], keys[2]);
    let sessions: Vec<&str> = r.iter().map(|r| r.session.as_str()).collect();
    assert_eq!(
        sessions,
        [
            "weak_ids_and_sessions",
            "weak_ids_and_sessions",
            "weak_ids_and_sessions",
            "my-session",
            "conv_ABC",
            "thread_1"
        ]
    );
}

#[test]
fn encodings_and_hostile_lines() {
    let parsed = parse_file(
        "bom_crlf_partial_tail.jsonl",
        &fixture("bom_crlf_partial_tail.jsonl"),
    );
    let outcomes: Vec<&str> = parsed.iter().map(|p| p.outcome.as_str()).collect();
    // The last line has no newline yet: not read.
    assert_eq!(outcomes, ["records(1)", "blank", "blank", "records(1)"]);
    assert_eq!(parsed[3].records[0].tokens.input, 130);

    let parsed = parse_file("hostile.jsonl", &fixture("hostile.jsonl"));
    let count = |o: &str| parsed.iter().filter(|p| p.outcome == o).count();
    let r: Vec<UsageRecord> = parsed.iter().flat_map(|p| p.records.clone()).collect();
    let keys: Vec<&str> = r.iter().map(|r| r.dedup_key.as_str()).collect();
    assert_eq!(keys.len(), 9);
    assert_eq!(
        [&keys[..4], &keys[5..]].concat(),
        [
            "chatcmpl-H04@1761900030000",
            "chatcmpl-H09@1761900090000",
            "chatcmpl-H10@1761900100000",
            "chatcmpl-H11@1761900110000",
            "chatcmpl-H15@1761900150000",
            "chatcmpl-H16@1761900160000",
            "chatcmpl-H17@1761900170000",
            "chatcmpl-H18@1761900180000",
        ]
    );
    // Counts saturate; cached beyond the prompt leaves no fresh input.
    assert_eq!(counts(&r[0]), (0, 0, u64::MAX, u64::MAX, 0));
    assert_eq!(r[0].tokens.total(), u64::MAX);
    // Deep junk in unread fields; Python's NaN and Infinity.
    assert_eq!(counts(&r[1]), (70, 0, 0, 7, 0));
    assert_eq!((r[2].tokens.input, r[2].reported_cost_pusd), (80, None));
    // Reasoning beyond output is clamped to it.
    assert_eq!(counts(&r[3]), (30, 0, 0, 5, 5));
    // Empty ids, model and session are absent: keyed by the line, named by the file.
    assert!(keys[4].starts_with("line:"));
    assert_eq!(
        (r[4].model.as_deref(), r[4].session.as_str()),
        (None, "hostile")
    );
    // An escaped `usage` key; an invalid byte in an unread string; the line after a NUL
    // hole; the last line.
    let inputs: Vec<u64> = r[5..].iter().map(|r| r.tokens.input).collect();
    assert_eq!(inputs, [15, 16, 17, 18]);
    // Truncated, 1e400, a duplicate key, not JSON.
    assert_eq!(count("skipped(invalid_json)"), 4);
    // A numeric-string `created`, no time, a time before 2000.
    assert_eq!(count("skipped(missing_field)"), 3);
    assert_eq!(count("skipped(not_an_object)"), 2);
    // Negative, object-typed and absent counts; no usage at all.
    assert_eq!(count("ignored"), 3);
}

// ------------------------------------------------------------------------------ end to end

struct Dir {
    _tmp: tempfile::TempDir,
    root: Utf8PathBuf,
}

impl Dir {
    fn new() -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix("generic-openai-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        let root = Utf8PathBuf::from_path_buf(tmp.path().canonicalize().unwrap()).unwrap();
        std::fs::create_dir_all(root.join("home")).unwrap();
        Dir { _tmp: tmp, root }
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Utf8PathBuf {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn append(&self, rel: &str, bytes: &[u8]) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.root.join(rel))
            .unwrap();
        f.write_all(bytes).unwrap();
    }

    /// `rel` under this directory, as a glob relative to the working directory.
    ///
    /// `scan` currently loses the leading `/` of an absolute glob's root (see
    /// `absolute_globs`), so these tests spell their globs relative to the working directory,
    /// which `cargo test` sets to the package root.
    fn glob(&self, rel: &str) -> Utf8PathBuf {
        let cwd = std::env::current_dir().unwrap().canonicalize().unwrap();
        let cwd = Utf8PathBuf::from_path_buf(cwd).unwrap();
        let a: Vec<_> = cwd.components().collect();
        let b: Vec<_> = self.root.components().collect();
        let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        let mut out = Utf8PathBuf::new();
        for _ in common..a.len() {
            out.push("..");
        }
        for c in &b[common..] {
            out.push(c.as_str());
        }
        out.join(rel)
    }

    fn env(&self) -> Env {
        Env::isolated(self.root.join("home").as_str())
    }

    fn db(&self) -> Utf8PathBuf {
        self.root.join("home/scopeon.db")
    }
}

fn options(globs: &[Utf8PathBuf]) -> ScanOptions {
    ScanOptions::new()
        .only([ProviderId::GenericOpenai])
        .globs(ProviderId::GenericOpenai, globs.iter().cloned())
}

fn totals(store: &Store) -> Totals {
    store
        .report(&ReportQuery::new().group_by(Vec::new()))
        .unwrap()
        .totals
}

fn rows(store: &Store, by: GroupKey) -> Vec<(Option<String>, u64, u64)> {
    store
        .report(&ReportQuery::new().group_by(vec![by]))
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.key[0].1.clone(), r.totals.requests, r.totals.input_tokens))
        .collect()
}

fn run(store: &mut Store, d: &Dir, globs: &[Utf8PathBuf]) -> ScanSummary {
    scan(store, &d.env(), &options(globs), &mut |_| {}).unwrap()
}

const STREAM_START: &[u8] = br#"{"id":"chatcmpl-LIVE","object":"chat.completion.chunk","created":1761990000,"model":"gpt-4o","choices":[{"delta":{"content":"<REDACTED>"}}],"usage":null}
"#;
const STREAM_USAGE: &[u8] = br#"{"id":"chatcmpl-LIVE","object":"chat.completion.chunk","created":1761990000,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":5000,"completion_tokens":321,"prompt_tokens_details":{"cached_tokens":4096},"completion_tokens_details":{"reasoning_tokens":64}}}
"#;

/// Files matched by a recursive glob (and a literal file path) are read; others are not; an
/// idle rescan adds nothing; a stream appended in pieces counts once, when its usage chunk
/// is complete.
#[test]
fn end_to_end_generic_paths() {
    let d = Dir::new();
    d.write("logs/worked.jsonl", &fixture("worked_example.jsonl"));
    d.write("logs/proxy/stream.jsonl", &fixture("chat_stream.jsonl"));
    d.write("logs/notes.txt", &fixture("vendor_variants.jsonl"));
    let single = d.write("elsewhere/one.jsonl", &fixture("responses_stream.jsonl"));
    let globs = [d.glob("logs/**/*.jsonl"), single];
    let mut store = Store::open(&d.db()).unwrap();

    let first = run(&mut store, &d, &globs);
    let ps = &first.providers[0];
    assert_eq!(ps.provider, ProviderId::GenericOpenai);
    assert_eq!((ps.files, ps.files_read), (3, 3));
    // 5 + 4 + 2 records read, of which the three vLLM copies are one request.
    assert_eq!((ps.records_read, ps.new_records), (11, 9));
    let t = totals(&store);
    assert_eq!(t.requests, 9);
    assert_eq!(
        t.input_tokens,
        (1152 + 900 + 904 + 1200 + 360) + (232 + 300) + (1616 + 2000)
    );
    assert_eq!(t.cache_read_tokens, (2048 + 4096 + 640) + 3968 + 16384);
    assert_eq!(
        t.output_tokens,
        (180 + 1400 + 700 + 64 + 50) + (57 + 25) + (900 + 4096)
    );
    assert_eq!(t.reasoning_tokens, (1152 + 512) + (640 + 4096));
    assert_eq!(t.cache_creation_tokens, 0);
    assert_eq!(
        t.total_tokens,
        t.input_tokens + t.cache_read_tokens + t.output_tokens
    );
    assert_eq!(
        rows(&store, GroupKey::Session),
        [
            (Some("conv_STREAM".to_owned()), 1, 1616),
            (Some("one".to_owned()), 1, 2000),
            (Some("stream".to_owned()), 2, 532),
            (Some("worked".to_owned()), 5, 4516),
        ]
    );
    assert!(
        rows(&store, GroupKey::Project)
            .iter()
            .all(|r| r.0.is_none())
    );

    let second = run(&mut store, &d, &globs);
    assert_eq!(second.providers[0].new_records, 0);
    assert_eq!(second.providers[0].files_unchanged, 3);
    assert_eq!(totals(&store), t);

    // A live stream: chunks without usage, then the usage chunk written in two pieces.
    d.append("logs/proxy/stream.jsonl", STREAM_START);
    d.append("logs/proxy/stream.jsonl", &STREAM_USAGE[..40]);
    let third = run(&mut store, &d, &globs);
    assert_eq!(third.providers[0].new_records, 0);
    assert_eq!(totals(&store), t);
    d.append("logs/proxy/stream.jsonl", &STREAM_USAGE[40..]);
    let fourth = run(&mut store, &d, &globs);
    assert_eq!(fourth.providers[0].files_read, 1);
    assert_eq!(fourth.providers[0].files_restarted, 0);
    assert_eq!(fourth.providers[0].new_records, 1);
    let after = totals(&store);
    assert_eq!(after.requests, t.requests + 1);
    assert_eq!(after.input_tokens, t.input_tokens + 904);
    assert_eq!(after.cache_read_tokens, t.cache_read_tokens + 4096);
    assert_eq!(after.output_tokens, t.output_tokens + 321);
    assert_eq!(after.reasoning_tokens, t.reasoning_tokens + 64);

    // The same stream logged again by a second tool counts once.
    d.write("logs/copy.jsonl", &[STREAM_START, STREAM_USAGE].concat());
    let fifth = run(&mut store, &d, &globs);
    assert_eq!(fifth.providers[0].files_read, 1);
    assert_eq!(fifth.providers[0].new_records, 0);
    assert_eq!(totals(&store).requests, after.requests);
}

/// An absolute glob, as users write them (`~/` expands to an absolute path): the root keeps
/// its leading `/`.
#[test]
fn absolute_globs() {
    let d = Dir::new();
    d.write("logs/a/worked.jsonl", &fixture("worked_example.jsonl"));
    let mut store = Store::open(&d.db()).unwrap();
    let s = run(&mut store, &d, &[d.root.join("logs/**/*.jsonl")]);
    assert_eq!((s.providers[0].files, s.providers[0].new_records), (1, 5));
    assert_eq!(totals(&store).input_tokens, 1152 + 900 + 904 + 1200 + 360);
}

/// Without `generic_paths` the provider has nothing to read.
#[test]
fn end_to_end_no_paths() {
    let d = Dir::new();
    d.write("home/usage.jsonl", &fixture("worked_example.jsonl"));
    let mut store = Store::open(&d.db()).unwrap();
    let s = run(&mut store, &d, &[]);
    assert_eq!((s.providers[0].files, s.providers[0].roots.len()), (0, 0));
    assert_eq!(totals(&store).requests, 0);
}

// -------------------------------------------------------------------------------- privacy

const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

/// The marker sits in every text field of requests, responses, stream chunks, Responses
/// events and proxy wrappers: messages, content, tool calls and their arguments, reasoning
/// summaries, instructions, refusals, annotations, errors, metadata, user ids, request bodies,
/// file paths inside content; and in malformed lines.
#[test]
fn privacy_marker_never_stored() {
    let m = MARKER;
    let lines = [
        format!(
            r#"{{"id":"chatcmpl-P1","object":"chat.completion","created":1762000000,"model":"gpt-4.1","system_fingerprint":"fp_{m}","user":"{m}","metadata":{{"note":"{m}"}},"choices":[{{"index":0,"message":{{"role":"assistant","content":"{m} in /home/{m}/src/main.rs","refusal":"{m}","tool_calls":[{{"id":"call_{m}","type":"function","function":{{"name":"{m}","arguments":"{{\"path\":\"/home/{m}/x\"}}"}}}}],"annotations":[{{"type":"url_citation","url_citation":{{"title":"{m}","url":"https://{m}"}}}}]}},"logprobs":{{"content":[{{"token":"{m}","logprob":-0.1}}]}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":1000,"completion_tokens":100,"prompt_tokens_details":{{"cached_tokens":500}},"completion_tokens_details":{{"reasoning_tokens":0}}}}}}"#
        ),
        format!(
            r#"{{"id":"chatcmpl-P2","object":"chat.completion.chunk","created":1762000100,"model":"gpt-4o","choices":[{{"index":0,"delta":{{"content":"{m}","tool_calls":[{{"index":0,"function":{{"arguments":"{m}"}}}}]}}}}],"usage":null}}"#
        ),
        r#"{"id":"chatcmpl-P2","object":"chat.completion.chunk","created":1762000100,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":300,"completion_tokens":30}}"#
            .to_owned(),
        format!(
            r#"{{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_{m}","delta":"{m}"}}"#
        ),
        format!(
            r#"{{"type":"response.completed","sequence_number":9,"response":{{"id":"resp_P3","object":"response","created_at":1762000200,"model":"gpt-5","instructions":"{m}","input":[{{"role":"user","content":[{{"type":"input_text","text":"{m}"}}]}}],"output":[{{"type":"reasoning","id":"rs_1","summary":[{{"type":"summary_text","text":"{m}"}}],"encrypted_content":"{m}"}},{{"type":"function_call","name":"{m}","arguments":"{m}","call_id":"c"}},{{"type":"message","content":[{{"type":"output_text","text":"{m}","annotations":[]}}]}}],"text":{{"format":{{"type":"text"}}}},"tools":[{{"type":"function","name":"{m}","description":"{m}"}}],"error":null,"incomplete_details":null,"prompt_cache_key":"{m}","safety_identifier":"{m}","usage":{{"input_tokens":2000,"input_tokens_details":{{"cached_tokens":1000}},"output_tokens":200,"output_tokens_details":{{"reasoning_tokens":0}}}}}}}}"#
        ),
        format!(
            r#"{{"timestamp":"2025-11-01T12:00:00Z","request":{{"model":"gpt-4.1","messages":[{{"role":"system","content":"{m}"}},{{"role":"user","content":"{m}"}}],"tools":[{{"function":{{"description":"{m}"}}}}]}},"response":{{"id":"chatcmpl-P4","object":"chat.completion","model":"gpt-4.1","choices":[{{"message":{{"content":"{m}"}}}}],"usage":{{"prompt_tokens":400,"completion_tokens":40}}}},"error":{{"message":"{m}"}}}}"#
        ),
        format!(
            r#"{{"type":"response.failed","response":{{"id":"resp_P5","created_at":1762000300,"error":{{"code":"server_error","message":"{m}"}},"usage":null}}}}"#
        ),
        format!(
            r#"{{"id":"chatcmpl-P6","choices":[{{"message":{{"content":"{m}"}}}}],"usage":{{"prompt_tokens":5}}}}"#
        ),
        format!(
            r#"{{"id":"chatcmpl-P7","created":1762000400,"usage":{{"prompt_tokens":3}},"choices":[{{"message":{{"content":"{m} truncated"#
        ),
        format!(r#"["{m}",{{"usage":{{"prompt_tokens":1}}}}]"#),
    ];
    let d = Dir::new();
    d.write("logs/proxy.jsonl", (lines.join("\n") + "\n").as_bytes());
    let globs = [d.glob("logs/*.jsonl")];
    let mut store = Store::open(&d.db()).unwrap();
    let summary = run(&mut store, &d, &globs);
    let ps = &summary.providers[0];
    assert_eq!(ps.new_records, 4);
    assert_eq!(ps.skipped.get(SkipReason::MissingField), 1);
    assert_eq!(ps.skipped.get(SkipReason::InvalidJson), 1);
    assert_eq!(ps.skipped.get(SkipReason::NotAnObject), 1);

    let mut outputs = vec![
        format!("{summary:?}"),
        serde_json::to_string(&summary).unwrap(),
    ];
    for by in [
        vec![GroupKey::Session, GroupKey::Model, GroupKey::Project],
        vec![GroupKey::Day, GroupKey::Provider],
    ] {
        let q = ReportQuery::new().group_by(by);
        let doc = store
            .report(&q)
            .unwrap()
            .to_document(&q, serde_json::Map::new());
        outputs.push(doc.to_string());
    }
    assert_eq!(ps.skipped_examples.len(), 3);
    for e in &ps.skipped_examples {
        outputs.push(format!("{e:?}"));
    }
    for text in &outputs {
        assert!(!text.contains(MARKER), "marker in {text}");
    }
    assert_marker_absent_from_db(&d.db());
    drop(store);
    assert_marker_absent_from_db(&d.db());
}

fn assert_marker_absent_from_db(db: &Utf8Path) {
    for path in [db.to_owned(), Utf8PathBuf::from(format!("{db}-wal"))] {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        assert!(
            !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
            "marker in {path}"
        );
    }
}

// ----------------------------------------------------------------------------- properties

/// A realistic line of a generic log, as a generator.
#[derive(Debug, Clone)]
enum Line {
    Chat {
        n: u32,
        prompt: u64,
        cached: u64,
        completion: u64,
        reasoning: u64,
    },
    ChunkNoUsage {
        n: u32,
    },
    Response {
        n: u32,
        input: u64,
        cached: u64,
        output: u64,
        reasoning: u64,
        event: bool,
    },
    Wrapped {
        n: u32,
        prompt: u64,
        completion: u64,
    },
    DeepSeek {
        n: u32,
        hit: u64,
        miss: u64,
    },
    NoTime {
        prompt: u64,
    },
    Other,
    Blank,
    Garbage,
    Truncated,
}

fn line() -> impl Strategy<Value = Line> {
    let n = 0u32..6;
    let c = 0u64..100_000;
    prop_oneof![
        4 => (n.clone(), c.clone(), c.clone(), c.clone(), c.clone()).prop_map(
            |(n, prompt, cached, completion, reasoning)| Line::Chat { n, prompt, cached, completion, reasoning }
        ),
        2 => n.clone().prop_map(|n| Line::ChunkNoUsage { n }),
        3 => (n.clone(), c.clone(), c.clone(), c.clone(), c.clone(), any::<bool>()).prop_map(
            |(n, input, cached, output, reasoning, event)| Line::Response { n, input, cached, output, reasoning, event }
        ),
        2 => (n.clone(), c.clone(), c.clone()).prop_map(|(n, prompt, completion)| Line::Wrapped { n, prompt, completion }),
        1 => (n, c.clone(), c.clone()).prop_map(|(n, hit, miss)| Line::DeepSeek { n, hit, miss }),
        1 => c.prop_map(|prompt| Line::NoTime { prompt }),
        1 => Just(Line::Other),
        1 => Just(Line::Blank),
        1 => Just(Line::Garbage),
        1 => Just(Line::Truncated),
    ]
}

/// The text of a line; reasoning is forced to 0 when `reasoning` is false.
fn text(l: &Line, reasoning: bool) -> String {
    let r = |x: u64| if reasoning { x } else { 0 };
    match l {
        Line::Chat {
            n,
            prompt,
            cached,
            completion,
            reasoning: re,
        } => format!(
            r#"{{"id":"chatcmpl-{n}","object":"chat.completion","created":{},"model":"gpt-4.1","choices":[{{"message":{{"content":"<REDACTED>"}}}}],"usage":{{"prompt_tokens":{prompt},"completion_tokens":{completion},"prompt_tokens_details":{{"cached_tokens":{cached}}},"completion_tokens_details":{{"reasoning_tokens":{}}}}}}}"#,
            1_762_100_000 + n,
            r(*re)
        ),
        Line::ChunkNoUsage { n } => format!(
            r#"{{"id":"chatcmpl-{n}","object":"chat.completion.chunk","created":{},"choices":[{{"delta":{{"content":"x"}}}}],"usage":null}}"#,
            1_762_100_000 + n
        ),
        Line::Response {
            n,
            input,
            cached,
            output,
            reasoning: re,
            event,
        } => {
            let body = format!(
                r#"{{"id":"resp_{n}","object":"response","created_at":{},"model":"gpt-5","output":[],"usage":{{"input_tokens":{input},"input_tokens_details":{{"cached_tokens":{cached}}},"output_tokens":{output},"output_tokens_details":{{"reasoning_tokens":{}}}}}}}"#,
                1_762_200_000 + n,
                r(*re)
            );
            if *event {
                format!(r#"{{"type":"response.completed","sequence_number":7,"response":{body}}}"#)
            } else {
                body
            }
        }
        Line::Wrapped {
            n,
            prompt,
            completion,
        } => format!(
            r#"{{"timestamp":"2025-11-03T10:00:0{n}Z","session_id":"s{n}","data":{{"id":"w-{n}","usage":{{"prompt_tokens":{prompt},"completion_tokens":{completion}}}}}}}"#
        ),
        Line::DeepSeek { n, hit, miss } => format!(
            r#"{{"id":"ds-{n}","created":1762300000,"model":"deepseek-chat","usage":{{"prompt_cache_hit_tokens":{hit},"prompt_cache_miss_tokens":{miss},"completion_tokens":1}}}}"#
        ),
        Line::NoTime { prompt } => format!(r#"{{"id":"x","usage":{{"prompt_tokens":{prompt}}}}}"#),
        Line::Other => r#"{"type":"response.output_text.delta","delta":"<REDACTED>"}"#.to_owned(),
        Line::Blank => " \t".to_owned(),
        Line::Garbage => "data: [DONE]".to_owned(),
        Line::Truncated => r#"{"id":"t","usage":{"prompt_tok"#.to_owned(),
    }
}

fn build(lines: &[Line], crlf: &[bool], reasoning: bool) -> Vec<u8> {
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&text(l, reasoning));
        out.push_str(if crlf.get(i).copied().unwrap_or(false) {
            "\r\n"
        } else {
            "\n"
        });
    }
    out.into_bytes()
}

/// Resuming after `stop` frames equals one pass, and reading in chunks of `sizes` equals
/// reading whole. Unlike `check_provider_resume`, this does not require `reasoning == 0` of
/// every record (see the report on `fuzz_checks::check_record`), so lines with reasoning
/// are covered too.
fn check_resume_and_chunks(data: &[u8], cap: usize, stop: usize, sizes: Vec<usize>) {
    let ctx = SourceContext::new(REL);
    let parser = |state: Option<&[u8]>| GenericOpenai.parser(&ctx, state).unwrap();
    let whole = read_file(data, 0, cap, &mut *parser(None), usize::MAX);
    for r in &whole.records {
        assert!(r.tokens.reasoning <= r.tokens.output);
        assert!(!r.tokens.is_zero());
    }
    let k = stop % (whole.outcomes.len() + 1);
    let mut first_parser = parser(None);
    let first = read_file(data, 0, cap, &mut *first_parser, k);
    let state = first_parser.state();
    let at = usize::try_from(first.offset).unwrap();
    let second = read_file(
        &data[at..],
        first.offset,
        cap,
        &mut *parser(Some(&state)),
        usize::MAX,
    );
    let mut outcomes = first.outcomes;
    outcomes.extend(second.outcomes);
    let mut records = first.records;
    records.extend(second.records);
    assert_eq!(outcomes, whole.outcomes);
    assert_eq!(records, whole.records);
    assert_eq!(second.offset, whole.offset);

    let mut p = parser(None);
    let mut reader = LineReader::new(ChunkedReader::new(data, sizes), 0, cap);
    let mut chunked = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        if let Frame::Line { bytes, .. } = frame
            && !bytes.iter().all(u8::is_ascii_whitespace)
            && !bytes.contains(&0)
        {
            p.parse_line(bytes, &mut chunked);
        }
    }
    assert_eq!(chunked, whole.records);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Stopping after any line and resuming from the checkpoint equals one uninterrupted
    /// pass, and reading in chunks equals reading whole.
    #[test]
    fn resume_and_chunks_equal_one_pass(
        lines in prop::collection::vec(line(), 0..40),
        crlf in prop::collection::vec(any::<bool>(), 40),
        cap in prop::sample::select(vec![64usize, 1024, 1 << 20]),
        stop in any::<u16>(),
        cut_tail in prop::sample::select(vec![0usize, 0, 1, 7]),
        sizes in prop::collection::vec(0usize..300, 0..6),
    ) {
        // With reasoning, through the local check.
        let mut data = build(&lines, &crlf, true);
        data.truncate(data.len().saturating_sub(cut_tail));
        check_resume_and_chunks(&data, cap, usize::from(stop), sizes);
        // Without reasoning, through the shared fuzz check as well.
        let mut data = build(&lines, &crlf, false);
        data.truncate(data.len().saturating_sub(cut_tail));
        check_provider_resume(&GenericOpenai, REL, &data, cap, usize::from(stop));
    }
}

/// Resuming at every line of every fixture equals one pass.
#[test]
fn fixtures_resume_at_every_line() {
    let dir = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/generic_openai");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let lines = data.iter().filter(|&&b| b == b'\n').count();
        for stop in 0..=lines {
            check_resume_and_chunks(&data, 1 << 20, stop, vec![1, 7, 0, 300]);
        }
    }
}
