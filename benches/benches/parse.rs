//! Parser, framing and ingest throughput on a synthetic in-memory Claude Code transcript.
//!
//! Run: `cargo bench -p scopeon-benches --bench parse` (add `-- --quick` for a short run).
//!
//! The transcript is built here from a few line templates so the benchmark needs no files:
//! - assistant lines (~1–3 KB): content blocks (text, thinking, tool_use) plus `usage`;
//! - user lines carrying tool results (10–60 KB of JSON-escaped text, duplicated in
//!   `toolUseResult` as Claude Code does), which hold most of a real transcript's bytes;
//! - short user prompts, and `summary` lines.
//!
//! Groups:
//! - `claude_parse_line`: `ClaudeParser::parse_line` over every line (bytes/s);
//! - `frame_lines`: `LineReader` framing alone (bytes/s);
//! - `frame_and_parse`: both, i.e. what a scan does per byte without SQLite (bytes/s);
//! - `ingest`: `Store::commit` of parsed records into a fresh in-memory store (records/s).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use scopeon_core::provider::claude_code::ClaudeParser;
use scopeon_core::provider::{LineOutcome, LineParser, SourceContext};
use scopeon_core::record::UsageRecord;
use scopeon_core::store::{Batch, Store};
use scopeon_core::tail::{DEFAULT_MAX_LINE, Frame, LineReader};

/// Target size of the synthetic transcript.
const TRANSCRIPT_BYTES: usize = 8 * 1024 * 1024;
/// Records committed per `ingest` iteration.
const INGEST_RECORDS: usize = 10_000;
const REL_PATH: &str = "projects/p/s.jsonl";

/// splitmix64: deterministic filler, so every run benchmarks the same bytes.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next_u64()));
        }
        s.truncate(n);
        s
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..]
        )
    }
}

const WORDS: &[&str] = &[
    "lorem",
    "ipsum",
    "dolor",
    "sit",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "do",
    "eiusmod",
    "tempor",
    "incididunt",
    "ut",
    "labore",
    "et",
    "dolore",
    "magna",
    "aliqua",
    "fn",
    "let",
    "mut",
    "impl",
    "struct",
    "return",
    "match",
    "Some(x)",
    "None",
    "{",
    "}",
    "=>",
    "&&",
    "Result<(), Error>",
    "src/lib.rs:42",
    "#[derive(Debug)]",
    "'quoted'",
    "path/to/file.rs",
];

/// `lo..=hi` bytes (roughly) of JSON-escaped filler: words, newlines, tabs, quotes,
/// backslashes and the odd `\u001b` colour escape, as in captured tool output.
fn escaped_text(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let len = rng.range(lo, hi);
    let mut s = String::with_capacity(len + 64);
    while s.len() < len {
        match rng.next_u64() % 40 {
            0..=3 => s.push_str("\\n"),
            4 => s.push_str("\\t"),
            5 => s.push_str("\\\"value\\\""),
            6 => s.push_str("C:\\\\tmp\\\\x"),
            7 => s.push_str("\\u001b[32mok\\u001b[0m"),
            8 => s.push_str("    "),
            _ => {
                s.push_str(WORDS[(rng.next_u64() % WORDS.len() as u64) as usize]);
                s.push(' ');
            }
        }
    }
    s
}

/// A fixed session context shared by every line of the transcript.
struct Session {
    id: String,
    cwd: &'static str,
    ts_ms: i64,
}

impl Session {
    fn timestamp(&mut self, rng: &mut Rng) -> String {
        self.ts_ms += rng.range(200, 20_000) as i64;
        let secs = self.ts_ms / 1000;
        let ms = self.ts_ms % 1000;
        // 2026-11-20 plus the elapsed seconds, kept within one day for simplicity.
        let day_secs = secs % 86_400;
        format!(
            "2026-11-20T{:02}:{:02}:{:02}.{ms:03}Z",
            day_secs / 3600,
            (day_secs / 60) % 60,
            day_secs % 60
        )
    }

    fn prefix(&mut self, rng: &mut Rng) -> String {
        format!(
            r#"{{"parentUuid":"{}","isSidechain":false,"userType":"external","cwd":"{}","sessionId":"{}","version":"2.0.14","gitBranch":"main","#,
            rng.uuid(),
            self.cwd,
            self.id
        )
    }
}

fn assistant_line(rng: &mut Rng, s: &mut Session, out: &mut Vec<u8>) {
    let msg_id = format!("msg_01{}", rng.hex(22));
    let req_id = format!("req_011C{}", rng.hex(18));
    let block = match rng.next_u64() % 3 {
        0 => format!(
            r#"{{"type":"text","text":"{}"}}"#,
            escaped_text(rng, 600, 2400)
        ),
        1 => format!(
            r#"{{"type":"thinking","thinking":"{}","signature":"{}"}}"#,
            escaped_text(rng, 400, 1600),
            rng.hex(344)
        ),
        _ => format!(
            r#"{{"type":"tool_use","id":"toolu_01{}","name":"Bash","input":{{"command":"cargo test -p scopeon-core -- --nocapture","description":"{}"}}}}"#,
            rng.hex(22),
            escaped_text(rng, 400, 1800)
        ),
    };
    let prefix = s.prefix(rng);
    let ts = s.timestamp(rng);
    let line = format!(
        r#"{prefix}"message":{{"id":"{msg_id}","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{block}],"stop_reason":null,"stop_sequence":null,"usage":{{"input_tokens":{},"cache_creation_input_tokens":{},"cache_read_input_tokens":{},"cache_creation":{{"ephemeral_5m_input_tokens":{},"ephemeral_1h_input_tokens":0}},"output_tokens":{},"service_tier":"standard"}}}},"requestId":"{req_id}","type":"assistant","uuid":"{}","timestamp":"{ts}"}}"#,
        rng.range(1, 20),
        rng.range(0, 5000),
        rng.range(10_000, 150_000),
        rng.range(0, 5000),
        rng.range(1, 2000),
        rng.uuid(),
    );
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

fn tool_result_line(rng: &mut Rng, s: &mut Session, out: &mut Vec<u8>) {
    let text = escaped_text(rng, 5_000, 30_000);
    let prefix = s.prefix(rng);
    let ts = s.timestamp(rng);
    // Claude Code writes the output twice: in the message and in `toolUseResult`.
    let line = format!(
        r#"{prefix}"type":"user","message":{{"role":"user","content":[{{"tool_use_id":"toolu_01{}","type":"tool_result","content":"{text}","is_error":false}}]}},"uuid":"{}","timestamp":"{ts}","toolUseResult":{{"stdout":"{text}","stderr":"","interrupted":false,"isImage":false}}}}"#,
        rng.hex(22),
        rng.uuid(),
    );
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

fn prompt_line(rng: &mut Rng, s: &mut Session, out: &mut Vec<u8>) {
    let prefix = s.prefix(rng);
    let ts = s.timestamp(rng);
    let line = format!(
        r#"{prefix}"type":"user","message":{{"role":"user","content":"{}"}},"uuid":"{}","timestamp":"{ts}"}}"#,
        escaped_text(rng, 50, 600),
        rng.uuid(),
    );
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

fn summary_line(rng: &mut Rng, out: &mut Vec<u8>) {
    let line = format!(
        r#"{{"type":"summary","summary":"{}","leafUuid":"{}"}}"#,
        escaped_text(rng, 30, 90),
        rng.uuid()
    );
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
}

/// A transcript of about `target` bytes: a few summaries, then turns of one prompt followed by
/// tool-use loops (assistant lines, each tool call answered by a large tool result).
fn transcript(target: usize) -> Vec<u8> {
    let mut rng = Rng(42);
    let mut s = Session {
        id: rng.uuid(),
        cwd: "/home/dev/acme-api",
        ts_ms: 0,
    };
    let mut out = Vec::with_capacity(target + 128 * 1024);
    for _ in 0..3 {
        summary_line(&mut rng, &mut out);
    }
    while out.len() < target {
        prompt_line(&mut rng, &mut s, &mut out);
        for _ in 0..rng.range(1, 4) {
            // One response is written as one line per content block.
            for _ in 0..rng.range(1, 3) {
                assistant_line(&mut rng, &mut s, &mut out);
            }
            tool_result_line(&mut rng, &mut s, &mut out);
        }
        assistant_line(&mut rng, &mut s, &mut out);
        if rng.next_u64().is_multiple_of(8) {
            summary_line(&mut rng, &mut out);
        }
    }
    out
}

/// Assistant lines only, `n` records' worth, for the ingest benchmark.
fn assistant_lines(n: usize) -> Vec<u8> {
    let mut rng = Rng(7);
    let mut s = Session {
        id: rng.uuid(),
        cwd: "/home/dev/acme-web",
        ts_ms: 0,
    };
    let mut out = Vec::new();
    for _ in 0..n {
        assistant_line(&mut rng, &mut s, &mut out);
    }
    out
}

fn parser() -> ClaudeParser {
    ClaudeParser::new(&SourceContext::new(REL_PATH))
}

/// Frames `data` and feeds every line to a fresh parser; returns (lines, records).
fn frame_and_parse(data: &[u8], out: &mut Vec<UsageRecord>) -> (usize, usize) {
    let mut p = parser();
    let mut r = LineReader::new(data, 0, DEFAULT_MAX_LINE);
    let (mut lines, mut records) = (0, 0);
    while let Some(frame) = r.next_frame().unwrap() {
        if let Frame::Line { bytes, .. } = frame {
            lines += 1;
            out.clear();
            if let LineOutcome::Records(n) = p.parse_line(bytes, out) {
                records += n;
            }
        }
    }
    (lines, records)
}

fn describe(data: &[u8]) -> Vec<&[u8]> {
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let user_bytes: usize = lines
        .iter()
        .filter(|l| memfind(l, b"\"tool_result\""))
        .map(|l| l.len() + 1)
        .sum();
    let mut out = Vec::new();
    let (n_lines, n_records) = frame_and_parse(data, &mut out);
    eprintln!(
        "transcript: {} bytes, {} lines ({} with usage), {:.0}% of bytes in tool-result lines",
        data.len(),
        n_lines,
        n_records,
        100.0 * user_bytes as f64 / data.len() as f64
    );
    lines
}

fn memfind(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn benches(c: &mut Criterion) {
    let data = transcript(TRANSCRIPT_BYTES);
    let lines = describe(&data);
    let bytes = Throughput::BytesDecimal(data.len() as u64);

    {
        let mut g = c.benchmark_group("claude_parse_line");
        g.throughput(bytes.clone());
        g.bench_function("transcript", |b| {
            let mut out = Vec::with_capacity(4);
            b.iter(|| {
                let mut p = parser();
                let mut records = 0;
                for line in &lines {
                    out.clear();
                    if let LineOutcome::Records(n) = p.parse_line(black_box(line), &mut out) {
                        records += n;
                    }
                }
                records
            })
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("frame_lines");
        g.throughput(bytes.clone());
        g.bench_function("transcript", |b| {
            b.iter(|| {
                let mut r = LineReader::new(black_box(&data[..]), 0, DEFAULT_MAX_LINE);
                let mut frames = 0usize;
                while r.next_frame().unwrap().is_some() {
                    frames += 1;
                }
                frames
            })
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("frame_and_parse");
        g.throughput(bytes);
        g.bench_function("transcript", |b| {
            let mut out = Vec::with_capacity(4);
            b.iter(|| frame_and_parse(black_box(&data), &mut out))
        });
        g.finish();
    }

    {
        let source = assistant_lines(INGEST_RECORDS);
        let mut records = Vec::with_capacity(INGEST_RECORDS);
        let mut p = parser();
        for line in source.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            p.parse_line(line, &mut records);
        }
        assert_eq!(records.len(), INGEST_RECORDS);
        let mut g = c.benchmark_group("ingest");
        g.throughput(Throughput::Elements(records.len() as u64));
        g.bench_function("commit_10k_in_memory", |b| {
            b.iter_batched(
                || {
                    (
                        Store::open_in_memory().unwrap(),
                        Batch {
                            records: records.clone(),
                            sources: vec![],
                            rate_limits: Vec::new(),
                        },
                    )
                },
                |(mut store, batch)| {
                    let stats = store.commit(&batch).unwrap();
                    // Returned so the store is dropped outside the timed section.
                    (store, batch, stats)
                },
                BatchSize::PerIteration,
            )
        });
        g.finish();
    }
}

criterion_group! {
    name = parse;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(20);
    targets = benches
}
criterion_main!(parse);
