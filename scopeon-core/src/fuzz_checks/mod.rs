//! Invariant checks behind the fuzz targets (`fuzz/`), hidden from the documentation.
//!
//! The targets' bodies live here, in `scopeon-core`, so that they build with the library and
//! `tests/fuzz_seeds.rs` replays every committed seed (`fuzz/seeds/<target>/`) through the very
//! same assertions on stable Rust, without a fuzzer. Each `fuzz/fuzz_targets/<name>.rs` is a
//! one-line call into this module.
//!
//! Every check panics (an `assert!`) when an invariant fails; the fuzzer reports the panic as a
//! crash. Nothing here is part of the library's API.
//!
//! It is compiled only with the `fuzzing` cargo feature: fuzz/ enables it, and so does this
//! crate's dev-dependency on itself for its own tests.

#![cfg(feature = "fuzzing")]
#![allow(missing_docs, clippy::missing_panics_doc)]

pub mod cursor;

use std::io::{self, Read};

use crate::provider::claude_code::{ClaudeCode, ClaudeParser};
use crate::provider::{LineOutcome, LineParser, Provider, SkipReason, SourceContext};
use crate::record::{MAX_ID_LEN, UsageRecord};
use crate::tail::{DEFAULT_MAX_LINE, Frame, LineReader};

/// The transcript path every check parses under (a main-session file).
pub const REL_PATH: &str = "projects/p/s.jsonl";

/// Bytes of the input that `frame_lines` reads as parameters before the data.
pub const FRAME_LINES_HEADER: usize = 5;

/// Bytes of the input that `claude_file_resume` reads as parameters before the data.
pub const FILE_RESUME_HEADER: usize = 3;

/// Splits `n` parameter bytes off the front of a fuzz input; missing bytes read as 0.
fn header<const N: usize>(input: &[u8]) -> ([u8; N], &[u8]) {
    let mut h = [0u8; N];
    let n = input.len().min(N);
    h[..n].copy_from_slice(&input[..n]);
    (h, &input[n..])
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

// ------------------------------------------------------------------------------- claude_line

/// Target `claude_line`: the whole input is one line for the Claude Code parser.
///
/// Invariants:
/// - the parser never panics, and its outcome matches what it pushed (`Records(1)` and one
///   record, or nothing);
/// - every record passes [`check_record`] (bounded, non-empty ids; consistent counters);
/// - a record needs the keys `usage` and `timestamp` and the value `assistant`: a line that
///   contains none of those words literally and no `\u` escape (which could spell them)
///   yields no record;
/// - a `MissingField` skip comes from a usage line (one that mentions `usage` or has a `\u`);
/// - parsing the line again with a new parser gives the same outcome and records.
pub fn claude_line(line: &[u8]) {
    let ctx = SourceContext::new(REL_PATH);
    let mut parser = ClaudeParser::new(&ctx);
    let mut out = Vec::new();
    let outcome = parser.parse_line(line, &mut out);
    match outcome {
        LineOutcome::Records(n) => {
            assert_eq!(n, 1, "a Claude line is one record");
            assert_eq!(out.len(), n, "outcome says {n} records");
        }
        LineOutcome::Ignored | LineOutcome::Skipped(_) => {
            assert!(
                out.is_empty(),
                "{outcome:?} but pushed {} records",
                out.len()
            )
        }
    }
    for r in &out {
        check_record(r);
    }
    if !out.is_empty() && !contains(line, b"\\u") {
        for word in [&b"usage"[..], b"timestamp", b"assistant"] {
            assert!(
                contains(line, word),
                "a record from a line without {:?} or any \\u escape",
                String::from_utf8_lossy(word)
            );
        }
    }
    if matches!(outcome, LineOutcome::Skipped(SkipReason::MissingField)) {
        // Only a usage line can lack a field the record needs.
        assert!(contains(line, b"usage") || contains(line, b"\\u"));
    }

    let mut again = Vec::new();
    assert_eq!(
        ClaudeParser::new(&ctx).parse_line(line, &mut again),
        outcome,
        "same line again"
    );
    assert_eq!(again, out, "same line again");
}

/// Invariants of one record, whatever line it came from.
pub fn check_record(r: &UsageRecord) {
    for (name, id) in [
        ("session", Some(&r.session)),
        ("dedup_key", Some(&r.dedup_key)),
    ]
    .into_iter()
    .chain([
        ("project", r.project.as_ref()),
        ("model", r.model.as_ref()),
        ("message_id", r.message_id.as_ref()),
    ]) {
        if let Some(id) = id {
            assert!(!id.is_empty(), "{name} is empty (absent ids are None)");
            assert!(id.len() <= MAX_ID_LEN, "{name} is {} bytes", id.len());
        }
    }
    if r.provider == crate::record::ProviderId::ClaudeCode {
        assert_ne!(
            r.model.as_deref(),
            Some("<synthetic>"),
            "Claude Code's synthetic lines carry no usage"
        );
    }
    let t = &r.tokens;
    let sum = [t.input, t.cache_creation, t.cache_read, t.output]
        .into_iter()
        .fold(0u64, u64::saturating_add);
    assert_eq!(t.total(), sum, "total is the saturating sum of its parts");
    assert!(!t.is_zero(), "an all-zero usage is not a record");
    assert!(
        t.cache_creation >= t.cache_creation_5m.saturating_add(t.cache_creation_1h),
        "cache writes are never less than their 5m/1h parts: {t:?}"
    );
    use crate::record::ProviderId;
    let p = r.provider;
    if !r.flags.aggregate {
        // A Copilot rollup keeps the segment's reasoning while its output, counted by the
        // per-message records, is 0.
        assert!(
            t.reasoning <= t.output,
            "reasoning is a part of output: {t:?}"
        );
    }
    if p == ProviderId::ClaudeCode {
        assert_eq!(
            t.reasoning, 0,
            "Claude Code does not report reasoning separately"
        );
    }
    if let Some(c) = r.reported_cost_pusd {
        assert!(
            (0..=1_000_000_000_000_000_000).contains(&c),
            "cost {c} pUSD"
        );
    }
    assert!(
        !r.flags.sidechain || r.flags.subagent,
        "a sidechain is a subagent's"
    );
    assert!(!r.flags.sidechain || p == ProviderId::ClaudeCode);
    assert!(!r.flags.estimated || p == ProviderId::Cursor);
    assert!(!r.flags.aggregate || p == ProviderId::CopilotCli);
    assert!(r.requests <= 1, "a record is at most one request");
    if r.requests == 0 {
        assert!(
            r.flags.aggregate && t.output == 0,
            "only a rollup whose output is counted elsewhere stands for no request"
        );
    }
    assert!(r.premium_requests_milli == 0 || p == ProviderId::CopilotCli);
    if p.supersedes_by_session() {
        let session = r
            .dedup_key
            .strip_prefix("ev:")
            .or_else(|| r.dedup_key.strip_prefix("db:"))
            .and_then(|rest| rest.split_once(':'));
        assert!(
            session.is_some_and(|(s, _)| !s.is_empty()),
            "key {:?} is not ev:<session>:… or db:<session>:…",
            r.dedup_key
        );
    }
}

// ------------------------------------------------------------------------------- frame_lines

/// One frame, owned, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framed {
    /// [`Frame::Line`].
    Line {
        /// Offset of the line's first byte.
        start: u64,
        /// The line as framed (BOM, CR and leading NULs stripped).
        bytes: Vec<u8>,
    },
    /// [`Frame::TooLong`].
    TooLong {
        /// Offset of the line's first byte.
        start: u64,
        /// Its length without the newline.
        len: u64,
    },
}

impl Framed {
    fn of(f: Frame<'_>) -> Framed {
        match f {
            Frame::Line { bytes, start } => Framed::Line {
                start,
                bytes: bytes.to_vec(),
            },
            Frame::TooLong { start, len } => Framed::TooLong { start, len },
        }
    }

    /// Offset of the frame's first byte.
    pub fn start(&self) -> u64 {
        match self {
            Framed::Line { start, .. } | Framed::TooLong { start, .. } => *start,
        }
    }
}

/// A reader that hands out its data in reads of the given sizes, in order, then the rest in
/// reads as large as asked. A size of 0 stands for a read interrupted by a signal
/// (`ErrorKind::Interrupted`, which the reader must retry).
///
/// The number of reads is bounded on purpose: `LineReader` grows its buffer by a whole chunk
/// before every read, so thousands of tiny reads would make each fuzz run slow.
#[derive(Debug)]
pub struct ChunkedReader<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    i: usize,
}

impl<'a> ChunkedReader<'a> {
    /// Reads `data` in reads of `sizes`, then the rest.
    pub fn new(data: &'a [u8], sizes: Vec<usize>) -> ChunkedReader<'a> {
        ChunkedReader { data, sizes, i: 0 }
    }
}

impl Read for ChunkedReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes.get(self.i).copied().unwrap_or(usize::MAX);
        self.i += 1;
        if size == 0 && !self.data.is_empty() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "signal"));
        }
        let n = size.min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Every frame a reader yields, and its offset at the end.
pub fn frame_all<R: Read>(mut r: LineReader<R>) -> (Vec<Framed>, u64) {
    let mut frames = Vec::new();
    while let Some(f) = r.next_frame().expect("in-memory reads do not fail") {
        frames.push(Framed::of(f));
    }
    (frames, r.offset())
}

/// What `LineReader` must yield for `data` read from offset 0, derived from its documentation
/// rather than its code: every complete line (up to a `\n`) in order, after dropping the NULs
/// before it (a copy-truncate hole; `start` is the first byte after them); a line then longer
/// than `cap` bytes (counted without the `\n`) is `TooLong`; any other line loses a leading
/// UTF-8 BOM when it starts the file, then a trailing `\r`. The offset is just past the last
/// `\n` (0 without one): an unterminated tail is never consumed.
pub fn frame_model(data: &[u8], cap: usize) -> (Vec<Framed>, u64) {
    let mut frames = Vec::new();
    let mut start = 0usize;
    while let Some(i) = data[start..].iter().position(|&b| b == b'\n') {
        let with_hole = &data[start..start + i];
        let nuls = with_hole.iter().take_while(|&&c| c == 0).count();
        let raw = &with_hole[nuls..];
        let line_start = start + nuls;
        frames.push(if raw.len() > cap {
            Framed::TooLong {
                start: line_start as u64,
                len: raw.len() as u64,
            }
        } else {
            let mut b = raw;
            if line_start == 0 {
                b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
            }
            b = b.strip_suffix(b"\r").unwrap_or(b);
            Framed::Line {
                start: line_start as u64,
                bytes: b.to_vec(),
            }
        });
        start += i + 1;
    }
    (frames, start as u64)
}

/// Target `frame_lines`: `LineReader` framing is independent of how reads split the data.
///
/// Input layout: 5 parameter bytes, then the data.
/// - byte 0: the line cap, `1 + b % 64`;
/// - bytes 1–3: three cut points, each at `b / 255` of the data: the data is read in chunks
///   between the sorted cuts, then the rest (an empty chunk is an `Interrupted` read);
/// - byte 4: where the file "ends" for a first pass, at `b / 255` of the data.
///
/// Invariants: reading the whole slice at once, reading it in those chunks, and reading a
/// prefix of it then resuming at `offset()` on the whole data (a file that grew) all yield the
/// frames and offset of [`frame_model`].
pub fn frame_lines(input: &[u8]) {
    let (h, data) = header::<FRAME_LINES_HEADER>(input);
    let cap = 1 + usize::from(h[0] % 64);
    let at = |b: u8| data.len() * usize::from(b) / 255;
    let mut cuts = [at(h[1]), at(h[2]), at(h[3])];
    cuts.sort_unstable();
    let sizes = vec![cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1]];
    check_framing(data, cap, sizes, at(h[4]));
}

/// The checks of [`frame_lines`] with explicit parameters.
pub fn check_framing(data: &[u8], cap: usize, sizes: Vec<usize>, grown_at: usize) {
    let model = frame_model(data, cap);

    let whole = frame_all(LineReader::new(data, 0, cap));
    assert_eq!(
        whole, model,
        "whole-slice framing vs. the documented framing (cap {cap})"
    );

    let chunked = frame_all(LineReader::new(
        ChunkedReader::new(data, sizes.clone()),
        0,
        cap,
    ));
    assert_eq!(
        chunked, model,
        "chunked framing (cap {cap}, reads {sizes:?})"
    );

    // A file that had only `grown_at` bytes at the first read, then grew to all of `data`.
    let (mut frames, offset) = frame_all(LineReader::new(&data[..grown_at], 0, cap));
    let o = usize::try_from(offset).unwrap();
    assert!(o <= grown_at);
    let (rest, end) = frame_all(LineReader::new(&data[o..], offset, cap));
    frames.extend(rest);
    assert_eq!(
        (frames, end),
        model,
        "framing of a file grown at byte {grown_at}"
    );
}

// ------------------------------------------------------------------------ claude_file_resume

/// What reading a file produced: per frame, the outcome as a scan counts it; and the records.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// `(frame start, outcome)` per frame.
    pub outcomes: Vec<(u64, LineOutcome)>,
    /// Every record, in order.
    pub records: Vec<UsageRecord>,
    /// The reader's offset at the end.
    pub offset: u64,
}

/// Frames `data` (which starts at file offset `offset`) and parses each line as `scan` does:
/// whitespace-only lines are dropped, lines holding a NUL are `Binary` skips, too-long lines
/// `TooLong` skips; stops after `max_frames` frames.
pub fn read_file(
    data: &[u8],
    offset: u64,
    cap: usize,
    parser: &mut dyn LineParser,
    max_frames: usize,
) -> Pass {
    let mut reader = LineReader::new(data, offset, cap);
    let mut pass = Pass::default();
    while pass.outcomes.len() < max_frames {
        let Some(frame) = reader.next_frame().expect("in-memory reads do not fail") else {
            break;
        };
        let (start, outcome) = match frame {
            Frame::TooLong { start, .. } => (start, LineOutcome::Skipped(SkipReason::TooLong)),
            Frame::Line { bytes, start } => {
                let outcome = if bytes.iter().all(u8::is_ascii_whitespace) {
                    LineOutcome::Ignored
                } else if bytes.contains(&0) {
                    LineOutcome::Skipped(SkipReason::Binary)
                } else {
                    let before = pass.records.len();
                    let outcome = parser.parse_line(bytes, &mut pass.records);
                    let pushed = pass.records.len() - before;
                    match outcome {
                        LineOutcome::Records(n) => assert_eq!(n, pushed),
                        _ => assert_eq!(pushed, 0),
                    }
                    outcome
                };
                (start, outcome)
            }
        };
        pass.outcomes.push((start, outcome));
    }
    pass.offset = reader.offset();
    pass
}

/// Target `claude_file_resume`: stopping at any frame boundary and resuming from the checkpoint
/// (the reader's `offset()` and the parser's `state()`) gives exactly one uninterrupted pass.
///
/// Input layout: 3 parameter bytes, then the file.
/// - byte 0: the line cap, one of 64 B, 1 KiB, 16 KiB or the default (`b % 4`);
/// - bytes 1–2: the frame to stop after, as a little-endian `u16` taken modulo
///   (frames + 1).
pub fn claude_file_resume(input: &[u8]) {
    let (h, data) = header::<FILE_RESUME_HEADER>(input);
    let cap = [64, 1024, 16 * 1024, DEFAULT_MAX_LINE][usize::from(h[0] % 4)];
    let stop = usize::from(u16::from_le_bytes([h[1], h[2]]));
    check_resume(data, cap, stop);
}

/// The checks of [`claude_file_resume`] with explicit parameters.
pub fn check_resume(data: &[u8], cap: usize, stop: usize) {
    check_provider_resume(&ClaudeCode, REL_PATH, data, cap, stop);
}

/// Target `<provider>_file_resume` for any line-based provider: 3 parameter bytes as in
/// [`claude_file_resume`], then the file, read as `rel_path` under the provider's root.
pub fn provider_file_resume(provider: &dyn Provider, rel_path: &str, input: &[u8]) {
    let (h, data) = header::<FILE_RESUME_HEADER>(input);
    let cap = [64, 1024, 16 * 1024, DEFAULT_MAX_LINE][usize::from(h[0] % 4)];
    let stop = usize::from(u16::from_le_bytes([h[1], h[2]]));
    check_provider_resume(provider, rel_path, data, cap, stop);
}

/// Target `<provider>_line` for any line-based provider: the whole input is one line. The
/// parser never panics, its outcome matches what it pushed, every record passes
/// [`check_record`] and belongs to the provider, and a fresh parser gives the same answer.
pub fn provider_line(provider: &dyn Provider, rel_path: &str, line: &[u8]) {
    let ctx = SourceContext::new(rel_path);
    let run = || {
        let mut parser = provider.parser(&ctx, None).expect("a fresh parser");
        let mut out = Vec::new();
        let outcome = parser.parse_line(line, &mut out);
        // A state can always be written and read back.
        let state = parser.state();
        provider
            .parser(&ctx, Some(&state))
            .expect("a state the parser wrote can be read back");
        (outcome, out)
    };
    check_runs(provider, run);
}

/// The checks shared by [`provider_line`] and [`provider_document`]: the outcome matches what
/// `run` pushed, every record is the provider's and passes [`check_record`], and a second run
/// gives the same answer.
fn check_runs(provider: &dyn Provider, run: impl Fn() -> (LineOutcome, Vec<UsageRecord>)) {
    let (outcome, out) = run();
    match outcome {
        LineOutcome::Records(n) => assert_eq!(n, out.len()),
        _ => assert!(out.is_empty(), "{outcome:?} with records"),
    }
    for r in &out {
        assert_eq!(r.provider, provider.id());
        check_record(r);
    }
    assert_eq!(run(), (outcome, out), "parsing is deterministic");
}

/// Target `<provider>_document` for a whole-document provider: the input is the file. The
/// parser never panics, its outcome matches what it pushed, every record passes
/// [`check_record`], and parsing again gives the same records.
pub fn provider_document(provider: &dyn Provider, rel_path: &str, bytes: &[u8]) {
    let ctx = SourceContext::new(rel_path);
    let run = || {
        let mut out = Vec::new();
        let outcome = provider.parse_document(&ctx, bytes, &mut out);
        (outcome, out)
    };
    check_runs(provider, run);
}

/// Resuming a line-based provider's file after any frame equals one uninterrupted pass.
pub fn check_provider_resume(
    provider: &dyn Provider,
    rel_path: &str,
    data: &[u8],
    cap: usize,
    stop: usize,
) {
    let ctx = SourceContext::new(rel_path);
    let new_parser = |state: Option<&[u8]>| {
        provider
            .parser(&ctx, state)
            .expect("a state the parser wrote can be read back")
    };

    let whole = read_file(data, 0, cap, &mut *new_parser(None), usize::MAX);
    for r in &whole.records {
        assert_eq!(r.provider, provider.id());
        check_record(r);
    }

    let k = stop % (whole.outcomes.len() + 1);
    let mut first_parser = new_parser(None);
    let first = read_file(data, 0, cap, &mut *first_parser, k);
    let state = first_parser.state();
    drop(first_parser);
    // The checkpoint sits just past frame k's newline: at frame k+1's start, or before the
    // NULs of a hole that frame k+1 begins after.
    let next_start = whole
        .outcomes
        .get(k)
        .map_or(whole.offset, |(start, _)| *start);
    assert!(first.offset <= next_start, "checkpoint after {k} frames");
    let gap = &data[usize::try_from(first.offset).unwrap()..usize::try_from(next_start).unwrap()];
    assert!(
        gap.iter().all(|&b| b == 0) || k == whole.outcomes.len(),
        "checkpoint after {k} frames: only a hole may lie before the next frame"
    );
    if k == whole.outcomes.len() {
        assert_eq!(first.offset, whole.offset, "checkpoint after all frames");
    }

    let at = usize::try_from(first.offset).unwrap();
    let second = read_file(
        &data[at..],
        first.offset,
        cap,
        &mut *new_parser(Some(&state)),
        usize::MAX,
    );

    let mut outcomes = first.outcomes;
    outcomes.extend(second.outcomes);
    let mut records = first.records;
    records.extend(second.records);
    assert_eq!(
        outcomes, whole.outcomes,
        "outcomes after resuming at frame {k}"
    );
    assert_eq!(
        records, whole.records,
        "records after resuming at frame {k}"
    );
    assert_eq!(second.offset, whole.offset);
}

// ------------------------------------------------------------------ other providers

/// Where each provider's fuzz inputs are read from, relative to its root.
pub mod rel_paths {
    /// The path `codex_line` parses its input as.
    pub const CODEX_LINE: &str = "sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2.jsonl";
    /// The path `codex_file_resume` parses its input as.
    pub const CODEX_FILE_RESUME: &str =
        "sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2.jsonl";
    /// The path `gemini_cli_line` parses its input as.
    pub const GEMINI_CLI_LINE: &str = "tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl";
    /// The path `gemini_cli_file_resume` parses its input as.
    pub const GEMINI_CLI_FILE_RESUME: &str =
        "tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl";
    /// The path `gemini_cli_document` parses its input as.
    pub const GEMINI_CLI_DOCUMENT: &str =
        "tmp/acme-api/chats/session-2025-09-20T14-05-1c2d3e4f.json";
    /// The path `copilot_cli_line` parses its input as.
    pub const COPILOT_CLI_LINE: &str =
        "session-state/6c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f/events.jsonl";
    /// The path `copilot_cli_file_resume` parses its input as.
    pub const COPILOT_CLI_FILE_RESUME: &str =
        "session-state/6c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f/events.jsonl";
    /// The path `aider_line` parses its input as.
    pub const AIDER_LINE: &str = "analytics.jsonl";
    /// The path `aider_file_resume` parses its input as.
    pub const AIDER_FILE_RESUME: &str = "analytics.jsonl";
    /// The path `generic_openai_line` parses its input as.
    pub const GENERIC_OPENAI_LINE: &str = "usage.jsonl";
    /// The path `generic_openai_file_resume` parses its input as.
    pub const GENERIC_OPENAI_FILE_RESUME: &str = "usage.jsonl";
    /// The path `opencode_document` parses its input as.
    pub const OPENCODE_DOCUMENT: &str = "storage/message/ses_1/msg_1.json";
}

/// Target `codex_line`: [`provider_line`] for `Codex`.
pub fn codex_line(input: &[u8]) {
    provider_line(&crate::provider::codex::Codex, rel_paths::CODEX_LINE, input);
}

/// Target `codex_file_resume`: [`provider_file_resume`] for `Codex`.
pub fn codex_file_resume(input: &[u8]) {
    provider_file_resume(
        &crate::provider::codex::Codex,
        rel_paths::CODEX_FILE_RESUME,
        input,
    );
}

/// Target `gemini_cli_line`: [`provider_line`] for `GeminiCli`.
pub fn gemini_cli_line(input: &[u8]) {
    provider_line(
        &crate::provider::gemini_cli::GeminiCli,
        rel_paths::GEMINI_CLI_LINE,
        input,
    );
}

/// Target `gemini_cli_file_resume`: [`provider_file_resume`] for `GeminiCli`.
pub fn gemini_cli_file_resume(input: &[u8]) {
    provider_file_resume(
        &crate::provider::gemini_cli::GeminiCli,
        rel_paths::GEMINI_CLI_FILE_RESUME,
        input,
    );
}

/// Target `gemini_cli_document`: [`provider_document`] for `GeminiCli`.
pub fn gemini_cli_document(input: &[u8]) {
    provider_document(
        &crate::provider::gemini_cli::GeminiCli,
        rel_paths::GEMINI_CLI_DOCUMENT,
        input,
    );
}

/// Target `copilot_cli_line`: [`provider_line`] for `CopilotCli`.
pub fn copilot_cli_line(input: &[u8]) {
    provider_line(
        &crate::provider::copilot_cli::CopilotCli,
        rel_paths::COPILOT_CLI_LINE,
        input,
    );
}

/// Target `copilot_cli_file_resume`: [`provider_file_resume`] for `CopilotCli`.
pub fn copilot_cli_file_resume(input: &[u8]) {
    provider_file_resume(
        &crate::provider::copilot_cli::CopilotCli,
        rel_paths::COPILOT_CLI_FILE_RESUME,
        input,
    );
}

/// Target `aider_line`: [`provider_line`] for `Aider`.
pub fn aider_line(input: &[u8]) {
    provider_line(&crate::provider::aider::Aider, rel_paths::AIDER_LINE, input);
}

/// Target `aider_file_resume`: [`provider_file_resume`] for `Aider`.
pub fn aider_file_resume(input: &[u8]) {
    provider_file_resume(
        &crate::provider::aider::Aider,
        rel_paths::AIDER_FILE_RESUME,
        input,
    );
}

/// Target `generic_openai_line`: [`provider_line`] for `GenericOpenai`.
pub fn generic_openai_line(input: &[u8]) {
    provider_line(
        &crate::provider::generic_openai::GenericOpenai,
        rel_paths::GENERIC_OPENAI_LINE,
        input,
    );
}

/// Target `generic_openai_file_resume`: [`provider_file_resume`] for `GenericOpenai`.
pub fn generic_openai_file_resume(input: &[u8]) {
    provider_file_resume(
        &crate::provider::generic_openai::GenericOpenai,
        rel_paths::GENERIC_OPENAI_FILE_RESUME,
        input,
    );
}

/// Target `opencode_document`: [`provider_document`] for `Opencode`.
pub fn opencode_document(input: &[u8]) {
    provider_document(
        &crate::provider::opencode::Opencode,
        rel_paths::OPENCODE_DOCUMENT,
        input,
    );
}

/// Target `cursor_bubble`: see `cursor::check_bubble`.
pub fn cursor_bubble(input: &[u8]) {
    cursor::check_bubble(input);
}

// ------------------------------------------------------------- configuration and requests

/// Target `config_text`: the input as `config.toml` and as `pricing.toml`.
///
/// Invariants: neither parser panics; an error names no more than the text it was given (it
/// is shown to the user as is); a configuration that parses yields scan options and a price
/// table; overrides that parse give a table that prices a few ids (one the input itself may
/// name) without panicking, with costs that are never negative, and the same overrides parsed
/// twice give the same fingerprint.
pub fn config_text(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    let env = crate::env::Env::isolated("/h");
    if let Ok(config) = crate::config::Config::parse(text) {
        let options = crate::scan::ScanOptions::from_config(&config, &env);
        assert!(options.max_line > 0 && options.max_document > 0);
        check_price_table(&config.price_table(), text);
    }
    if let Ok(overrides) = crate::pricing::PriceOverrides::parse(text) {
        let table = crate::pricing::PriceTable::builtin().with_overrides(overrides.clone());
        let again = crate::pricing::PriceTable::builtin()
            .with_overrides(crate::pricing::PriceOverrides::parse(text).expect("parsed once"));
        assert_eq!(table.fingerprint(), again.fingerprint());
        check_price_table(&table, text);
    }
}

fn check_price_table(table: &crate::pricing::PriceTable, text: &str) {
    let tokens = crate::record::TokenCounts {
        input: 250_000,
        cache_creation: 1_000,
        cache_creation_5m: 400,
        cache_creation_1h: 300,
        cache_read: 9_000,
        output: 2_000,
        reasoning: 100,
    };
    // A model id the input names (a table header), and a few built-in ones.
    let named = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("[\"")?.split('"').next())
        .unwrap_or("my-local-model");
    for model in [
        named,
        "claude-sonnet-4-5",
        "gpt-5",
        "gemini-2.5-pro",
        "unknown-x",
    ] {
        for fast in [false, true] {
            if let Some(c) = table.cost_pusd_at_speed(model, 1_764_000_000_000, &tokens, fast) {
                assert!(c >= 0, "{model}: negative cost {c}");
            }
        }
        let _ = crate::pricing::price_document(table, model, jiff::Timestamp::UNIX_EPOCH);
    }
}

/// Target `query_request`: the input as a `scopeon.query.v1` request (the C ABI's
/// `scopeon_query`) and as a `scopeon.scan_request.v1`.
///
/// Invariants: parsing never panics; a query that parses runs against an empty in-memory
/// store and yields a `scopeon.report.v1` document with no rows; a scan request that parses
/// gives options naming only known providers.
pub fn query_request(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    thread_local! {
        // One in-memory database for every input: opening one (migrations) per input would
        // cost most of the target's time.
        static SCOPEON: crate::Scopeon = crate::Scopeon::builder()
            .env(
                crate::env::Env::isolated("/nonexistent-scopeon-fuzz-home")
                    .with_var("TZ", Some("UTC"))
                    .with_var(crate::window::NOW_VAR, Some("2026-11-27T12:00:00Z")),
            )
            .in_memory()
            .no_config()
            .open()
            .expect("an in-memory database");
    }
    SCOPEON.with(|scopeon| check_requests(scopeon, text));
}

/// [`query_request`]'s checks against one open, empty database.
fn check_requests(scopeon: &crate::Scopeon, text: &str) {
    if let Ok(request) = crate::request::parse_query_request(text) {
        // A well-formed request either runs or is refused as invalid; nothing else.
        match scopeon.report(&request) {
            Ok(answer) => {
                let doc = answer.to_document(None);
                assert_eq!(doc["schema"], "scopeon.report.v1");
                assert_eq!(doc["rows"].as_array().map(Vec::len), Some(0));
            }
            Err(crate::Error::InvalidQuery(_)) => {}
            Err(e) => panic!("a query on an empty store failed: {e}"),
        }
    }
    if let Ok(request) = crate::request::parse_scan_request(Some(text)) {
        // Resolved, never run: a request may name any directory as a root.
        match scopeon.scan_options(&request) {
            Ok(options) => {
                for p in options.providers.iter().flatten() {
                    assert!(crate::record::ProviderId::ALL.contains(p));
                }
            }
            Err(crate::Error::InvalidQuery(_)) => {}
            Err(e) => panic!("resolving a scan request failed: {e}"),
        }
    }
}

// ------------------------------------------------------------------------------ live_request

/// Target `live_request`: the input as any request the C ABI's `scopeon_query` answers
/// (`request::parse_request`: a report query, a `scopeon.blocks_request.v1` or a
/// `scopeon.context_request.v1`, by its `schema`), and as a blocks and a context request
/// through their own parsers.
///
/// It runs against an in-memory store holding no request and three usage-window reports (a
/// fresh Claude five-hour window around now, a stale Codex one the day before, a Codex week).
///
/// Invariants: parsing never panics; a request that parses either answers or is refused as an
/// invalid query whose message names the field (`field `...``); the answer is the document
/// of its kind; with no request stored, every block is official (or a gap) with no tokens,
/// every window is a stored one, and no session has a context.
pub fn live_request(input: &[u8]) {
    let Ok(text) = std::str::from_utf8(input) else {
        return;
    };
    thread_local! {
        static SCOPEON: crate::Scopeon = live_store();
    }
    SCOPEON.with(|scopeon| {
        if let Ok(request) = crate::request::parse_request(text) {
            check_live_answer(scopeon, &request);
        }
        if let Ok(request) = crate::request::parse_blocks_request(text) {
            check_live_answer(scopeon, &crate::request::Request::Blocks(request));
        }
        if let Ok(request) = crate::request::parse_context_request(text) {
            check_live_answer(scopeon, &crate::request::Request::Context(request));
        }
    });
}

/// The store [`live_request`] runs against.
fn live_store() -> crate::Scopeon {
    use crate::live::RateLimitSnapshot;
    use crate::record::ProviderId;
    let ms = |s: &str| {
        s.parse::<jiff::Timestamp>()
            .expect("a time")
            .as_millisecond()
    };
    let mut scopeon = crate::Scopeon::builder()
        .env(
            crate::env::Env::isolated("/nonexistent-scopeon-fuzz-home")
                .with_var("TZ", Some("UTC"))
                .with_var(crate::window::NOW_VAR, Some("2026-11-27T12:00:00Z")),
        )
        .in_memory()
        .no_config()
        .open()
        .expect("an in-memory database");
    let snapshots = [
        (
            ProviderId::ClaudeCode,
            "five_hour",
            300,
            42.5,
            "2026-11-27T14:00:00Z",
            "2026-11-27T11:58:00Z",
        ),
        (
            ProviderId::Codex,
            "primary",
            300,
            100.0,
            "2026-11-26T10:00:00Z",
            "2026-11-26T06:00:00Z",
        ),
        (
            ProviderId::Codex,
            "secondary",
            10_080,
            12.0,
            "2026-11-30T00:00:00Z",
            "2026-11-26T06:00:00Z",
        ),
    ]
    .map(|(provider, kind, minutes, used, resets, captured)| {
        RateLimitSnapshot::new(provider, kind, minutes, used, ms(resets), ms(captured))
            .expect("a valid snapshot")
    });
    scopeon
        .record_rate_limits(&snapshots)
        .expect("stored snapshots");
    scopeon
}

/// [`live_request`]'s checks of one parsed request.
fn check_live_answer(scopeon: &crate::Scopeon, request: &crate::request::Request) {
    use crate::request::Request;
    let doc = match request.answer(scopeon) {
        Ok(doc) => doc,
        Err(crate::Error::InvalidQuery(message)) => {
            // A report's values are named by the CLI's words; the live requests name the field.
            if !matches!(request, Request::Report(_)) {
                assert!(message.starts_with("field `"), "unnamed refusal: {message}");
            }
            return;
        }
        Err(e) => panic!("a request on the fuzz store failed: {e}"),
    };
    match request {
        Request::Report(_) => {
            assert_eq!(doc["schema"], "scopeon.report.v1");
            assert_eq!(doc["rows"].as_array().map(Vec::len), Some(0));
        }
        Request::Blocks(_) => {
            assert_eq!(doc["schema"], "scopeon.blocks.v1");
            for block in doc["blocks"].as_array().expect("blocks") {
                let gap = block["is_gap"] == true;
                assert!(gap || block["source"] == "official", "{block}");
                assert_eq!(block["requests"], 0, "{block}");
                assert_eq!(block["total_tokens"], 0, "{block}");
                let at = |key: &str| {
                    block[key]
                        .as_str()
                        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                        .unwrap_or_else(|| panic!("{key} of {block}"))
                };
                assert!(
                    at("start") < at("end") || (gap && at("start") == at("end")),
                    "{block}"
                );
            }
            for window in doc["windows"].as_array().expect("windows") {
                assert_eq!(window["kind"], "secondary", "{window}");
            }
        }
        Request::Context(_) => {
            assert_eq!(doc["schema"], "scopeon.context.v1");
            assert_eq!(doc["sessions"], serde_json::json!([]));
        }
    }
}
