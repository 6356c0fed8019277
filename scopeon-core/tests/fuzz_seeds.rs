//! Replays the fuzz seed corpus (`fuzz/seeds/<target>/*`) on stable Rust, through the same
//! invariant checks the fuzz targets run, and pins the parser's behaviour on hostile lines
//! (deep nesting, megabytes of NULs) that are too large to keep as seed files.
//!
//! The checks are not duplicated: they live in `scopeon_core::fuzz_checks`, which the fuzz
//! targets call too. Crash inputs found by `cargo fuzz` belong in `fuzz/seeds/<target>/` so
//! this test replays them forever.

use scopeon_core::fuzz_checks as checks;

use std::path::{Path, PathBuf};

use scopeon_core::provider::claude_code::ClaudeParser;
use scopeon_core::provider::{LineOutcome, LineParser, SkipReason, SourceContext};

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds")
}

/// Every seed file of one target, sorted by name.
fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = seeds_dir().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// Runs `check` on every seed of `target`, naming the seed that fails.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let all = seeds(target);
    for (path, bytes) in &all {
        let run = std::panic::catch_unwind(|| check(bytes));
        if let Err(e) = run {
            panic!("seed {} failed: {e:?}", path.display());
        }
    }
    all.len()
}

/// A fuzz target: its seed directory and its check.
type Target = (&'static str, fn(&[u8]));

const TARGETS: &[Target] = &[
    ("claude_line", checks::claude_line),
    ("frame_lines", checks::frame_lines),
    ("claude_file_resume", checks::claude_file_resume),
    ("codex_line", checks::codex_line),
    ("codex_file_resume", checks::codex_file_resume),
    ("gemini_cli_line", checks::gemini_cli_line),
    ("gemini_cli_file_resume", checks::gemini_cli_file_resume),
    ("gemini_cli_document", checks::gemini_cli_document),
    ("copilot_cli_line", checks::copilot_cli_line),
    ("copilot_cli_file_resume", checks::copilot_cli_file_resume),
    ("aider_line", checks::aider_line),
    ("aider_file_resume", checks::aider_file_resume),
    ("generic_openai_line", checks::generic_openai_line),
    (
        "generic_openai_file_resume",
        checks::generic_openai_file_resume,
    ),
    ("opencode_document", checks::opencode_document),
    ("cursor_bubble", checks::cursor_bubble),
    ("config_text", checks::config_text),
    ("query_request", checks::query_request),
    ("live_request", checks::live_request),
];

#[test]
fn every_seed_dir_is_a_known_target() {
    for entry in std::fs::read_dir(seeds_dir()).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            let name = entry.file_name().into_string().unwrap();
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "fuzz/seeds/{name} is not wired to a check here"
            );
        }
    }
}

#[test]
fn claude_line_seeds() {
    replay("claude_line", checks::claude_line);
    // What each seed is, for `--nocapture` readers.
    for (path, bytes) in seeds("claude_line") {
        let (outcome, _) = parse(&bytes);
        eprintln!(
            "{}: {outcome:?}",
            path.file_name().unwrap().to_string_lossy()
        );
    }
}

#[test]
fn frame_lines_seeds() {
    replay("frame_lines", checks::frame_lines);
}

#[test]
fn provider_seeds() {
    for (target, check) in &TARGETS[3..] {
        replay(target, *check);
    }
}

#[test]
fn claude_file_resume_seeds() {
    replay("claude_file_resume", checks::claude_file_resume);
}

/// Every seed is also a valid input for every other target (their layouts only read leading
/// parameter bytes), and each extra run is cheap.
#[test]
fn every_seed_through_every_target() {
    for (dir, _) in TARGETS {
        for (_, check) in TARGETS {
            replay(dir, *check);
        }
    }
}

/// Line-level seeds also go through framing and resume with fixed parameters, so a seed that
/// is a whole transcript (several lines) exercises resuming at each of its frame boundaries.
#[test]
fn line_seeds_as_files() {
    for (_, bytes) in seeds("claude_line")
        .into_iter()
        .chain(seeds("claude_file_resume"))
    {
        let frames = bytes.iter().filter(|&&b| b == b'\n').count();
        for cap in [64, 4096, scopeon_core::tail::DEFAULT_MAX_LINE] {
            for stop in 0..=frames {
                checks::check_resume(&bytes, cap, stop);
            }
            checks::check_framing(&bytes, cap, vec![1, 7, 0, 300], bytes.len() / 2);
        }
    }
}

fn parse(line: &[u8]) -> (LineOutcome, usize) {
    let mut out = Vec::new();
    let outcome =
        ClaudeParser::new(&SourceContext::new(checks::REL_PATH)).parse_line(line, &mut out);
    (outcome, out.len())
}

const USAGE_MESSAGE: &str = r#""message":{"id":"msg_deep","model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":5}},"timestamp":"2026-01-01T00:00:00Z""#;

/// `depth` nested arrays (or objects) around a `1`.
fn nested(depth: usize, objects: bool) -> Vec<u8> {
    let (open, close): (&[u8], &[u8]) = if objects {
        (b"{\"a\":", b"}")
    } else {
        (b"[", b"]")
    };
    let mut v = Vec::with_capacity(depth * (open.len() + close.len()) + 1);
    for _ in 0..depth {
        v.extend_from_slice(open);
    }
    v.push(b'1');
    for _ in 0..depth {
        v.extend_from_slice(close);
    }
    v
}

/// A usage line whose ignored `toolUseResult` field nests `depth` arrays (or objects).
fn deep_line(depth: usize, objects: bool) -> Vec<u8> {
    let mut line = br#"{"type":"assistant","toolUseResult":"#.to_vec();
    line.extend_from_slice(&nested(depth, objects));
    line.push(b',');
    line.extend_from_slice(USAGE_MESSAGE.as_bytes());
    line.push(b'}');
    line
}

/// 100,000 levels of nesting inside a field the parser never reads: no crash, no stack
/// overflow (this runs on the test harness's default 2 MiB thread stack), and the usage is
/// kept. serde_json skips an ignored value with an explicit stack, not recursion, so neither
/// its 128-level recursion limit nor the thread stack is reached; the lenient field types skip
/// a value of the wrong kind the same way.
#[test]
fn deep_nesting_in_an_ignored_field() {
    for objects in [false, true] {
        let line = deep_line(100_000, objects);
        let (outcome, records) = parse(&line);
        assert_eq!(outcome, LineOutcome::Records(1), "objects: {objects}");
        assert_eq!(records, 1);
        checks::claude_line(&line);
    }

    // Deep values where the parser reads a field of another kind: a cost, a counter, an id,
    // the cache split. Each is ignored, and the rest of the line still counts.
    for (field, at) in [
        ("costUSD", r#"{"type":"assistant","costUSD":"#),
        ("sessionId", r#"{"type":"assistant","sessionId":"#),
        ("isSidechain", r#"{"type":"assistant","isSidechain":"#),
    ] {
        let mut line = at.as_bytes().to_vec();
        line.extend_from_slice(&nested(100_000, false));
        line.push(b',');
        line.extend_from_slice(USAGE_MESSAGE.as_bytes());
        line.push(b'}');
        assert_eq!(parse(&line).0, LineOutcome::Records(1), "{field}");
        checks::claude_line(&line);
    }
    for objects in [false, true] {
        let mut line =
            br#"{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","content":"#
                .to_vec();
        line.extend_from_slice(&nested(100_000, objects));
        line.extend_from_slice(br#","usage":{"output_tokens":2,"input_tokens":"#);
        line.extend_from_slice(&nested(100_000, objects));
        line.extend_from_slice(br#","cache_creation":"#);
        line.extend_from_slice(&nested(100_000, objects));
        line.extend_from_slice(b"}}}");
        let mut out = Vec::new();
        let outcome =
            ClaudeParser::new(&SourceContext::new(checks::REL_PATH)).parse_line(&line, &mut out);
        assert_eq!(outcome, LineOutcome::Records(1), "objects: {objects}");
        assert_eq!((out[0].tokens.input, out[0].tokens.output), (0, 2));
        checks::claude_line(&line);
    }

    // The same depth at the top level: not an object (balanced) or not JSON (unbalanced).
    assert_eq!(
        parse(&nested(100_000, false)).0,
        LineOutcome::Skipped(SkipReason::NotAnObject)
    );
    let open = vec![b'['; 100_000];
    assert_eq!(
        parse(&open).0,
        LineOutcome::Skipped(SkipReason::InvalidJson)
    );
    checks::claude_line(&open);
    // A 100,000-deep object at the top level: its one unknown key is skipped, so the line is
    // a well-formed line without usage.
    let mut deep_obj = nested(100_000, true);
    assert_eq!(parse(&deep_obj).0, LineOutcome::Ignored);
    checks::claude_line(&deep_obj);

    // And as a file, through framing and resume.
    let mut file = deep_line(100_000, false);
    file.push(b'\n');
    file.extend_from_slice(&open);
    file.push(b'\n');
    file.append(&mut deep_obj);
    file.push(b'\n');
    for stop in 0..=3 {
        checks::check_resume(&file, scopeon_core::tail::DEFAULT_MAX_LINE, stop);
    }
}

/// A 1 MiB line of NUL bytes: the parser skips it, framing strips it to an empty line (the
/// hole a copy-truncate leaves), and a line cap below its size makes it a `too_long` skip.
#[test]
fn a_mebibyte_of_nuls() {
    let nuls = vec![0u8; 1 << 20];
    let (outcome, records) = parse(&nuls);
    assert_eq!(outcome, LineOutcome::Skipped(SkipReason::InvalidJson));
    assert_eq!(records, 0);
    checks::claude_line(&nuls);

    let mut file = nuls.clone();
    file.push(b'\n');
    file.extend_from_slice(&nuls);
    file.extend_from_slice(br#"{"type":"summary","summary":"after the hole"}"#);
    file.push(b'\n');
    for cap in [4096, 2 << 20] {
        checks::check_framing(&file, cap, vec![65_536, 3], file.len() / 3);
        checks::check_resume(&file, cap, 1);
    }
}
