//! The Codex CLI provider: snapshots of every fixture, the worked examples of
//! docs/providers/codex.md with their expected numbers, end-to-end scans of a temporary `~/.codex`
//! and `$CODEX_HOME` (archives, `.zst` copies, forks, appends), privacy, and resume properties.

use std::fs;

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use scopeon_core::env::Env;
use scopeon_core::fuzz_checks::{check_provider_resume, read_file};
use scopeon_core::provider::codex::Codex;
use scopeon_core::provider::lenient::parse_timestamp_ms;
use scopeon_core::provider::{LineOutcome, Provider, SkipReason, SourceContext};
use scopeon_core::record::{ProviderId, TokenCounts, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{GroupKey, Report, ReportQuery, Store, Totals};
use scopeon_core::tail::{DEFAULT_MAX_LINE, Frame, LineReader};
use serde::Serialize;

fn fixture(name: &str) -> Vec<u8> {
    let path = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/codex");
    fs::read(path.join(name)).unwrap()
}

fn ms(ts: &str) -> i64 {
    parse_timestamp_ms(ts).unwrap()
}

// ------------------------------------------------------------------------------ (a) snapshots

#[derive(Serialize)]
struct Parsed {
    offset: u64,
    outcome: String,
    records: Vec<UsageRecord>,
}

/// What one pass over a file made of it, line by line, and the state it ended in.
#[derive(Serialize)]
struct FileParse {
    lines: Vec<Parsed>,
    /// Just past the last complete line: an unterminated tail is never consumed.
    end_offset: u64,
    state: String,
}

fn parse_file(rel: &str, bytes: &[u8]) -> FileParse {
    let mut parser = Codex.parser(&SourceContext::new(rel), None).unwrap();
    let mut reader = LineReader::new(bytes, 0, 1 << 20);
    let mut lines = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        let (offset, outcome, records) = match frame {
            Frame::Line { bytes, start } => {
                let mut records = Vec::new();
                let outcome = if bytes.iter().all(u8::is_ascii_whitespace) {
                    "blank".to_owned()
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
        lines.push(Parsed {
            offset,
            outcome,
            records,
        });
    }
    FileParse {
        lines,
        end_offset: reader.offset(),
        state: String::from_utf8(parser.state()).unwrap(),
    }
}

fn records_of(name: &str) -> Vec<UsageRecord> {
    parse_file(&format!("sessions/2025/10/03/{name}"), &fixture(name))
        .lines
        .into_iter()
        .flat_map(|l| l.records)
        .collect()
}

#[test]
fn codex_fixtures() {
    insta::glob!("fixtures/codex/*.jsonl", |path| {
        let bytes = fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        insta::assert_yaml_snapshot!(parse_file(&format!("sessions/2025/10/03/{name}"), &bytes));
    });
}

// ------------------------------------ (b) the worked examples of docs/providers/codex.md

fn tokens(input: u64, cache_read: u64, output: u64, reasoning: u64) -> TokenCounts {
    TokenCounts {
        input,
        cache_read,
        output,
        reasoning,
        ..TokenCounts::default()
    }
}

/// Two events; line 5 re-emits an unchanged total at a new timestamp and is not usage.
#[test]
fn worked_example_reemit() {
    let r = records_of("worked_example_reemit.jsonl");
    assert_eq!(r.len(), 2);
    // E1 at 09:20:52.770Z: input 12000 (uncached 3000), cached 9000, output 800 (reasoning 320).
    assert_eq!(r[0].timestamp_ms, ms("2025-10-03T09:20:52.770Z"));
    assert_eq!(r[0].tokens, tokens(3000, 9000, 800, 320));
    // E2 at 09:21:30.006Z: input 13500 (uncached 1400), cached 12100, output 450 (reasoning 128).
    assert_eq!(r[1].timestamp_ms, ms("2025-10-03T09:21:30.006Z"));
    assert_eq!(r[1].tokens, tokens(1400, 12100, 450, 128));
    // Session sum: input 25500 (4400 fresh + 21100 cached), output 1250, total 26750.
    let input: u64 = r.iter().map(|x| x.tokens.input + x.tokens.cache_read).sum();
    let cached: u64 = r.iter().map(|x| x.tokens.cache_read).sum();
    let output: u64 = r.iter().map(|x| x.tokens.output).sum();
    let total: u64 = r.iter().map(|x| x.tokens.total()).sum();
    assert_eq!((input, cached, output, total), (25500, 21100, 1250, 26750));
    for x in &r {
        assert_eq!(x.model.as_deref(), Some("gpt-5-codex"));
        assert_eq!(x.session, "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        assert_eq!(x.project.as_deref(), Some("/home/dev/acme-api"));
        assert!(!x.flags.subagent);
    }
}

/// Deltas by subtraction: (1000, 100, 200, 20, 1200) then (600, 200, 250, 20, 850); the model
/// is unknown.
#[test]
fn worked_example_legacy_totals() {
    let r = records_of("worked_example_legacy_totals.jsonl");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].tokens, tokens(1000 - 100, 100, 200, 20));
    assert_eq!(r[0].tokens.total(), 1200);
    assert_eq!(r[1].tokens, tokens(600 - 200, 200, 250, 20));
    assert_eq!(r[1].tokens.total(), 850);
    assert_eq!(r[0].timestamp_ms, ms("2025-09-05T16:00:00.000Z"));
    assert_eq!(r[1].timestamp_ms, ms("2025-09-05T16:01:10.000Z"));
    assert!(r.iter().all(|x| x.model.is_none()));
    // No session_meta: the fixture's file stem stands in for the thread.
    assert!(
        r.iter()
            .all(|x| x.session == "worked_example_legacy_totals")
    );
}

/// The first two token_count rows replay the parent and are skipped (they set the baseline to
/// total 1800); one event (100, 10, 20, 5, 120), model gpt-5.2, subagent.
#[test]
fn worked_example_subagent_replay() {
    let r = records_of("worked_example_subagent_replay.jsonl");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].tokens, tokens(100 - 10, 10, 20, 5));
    assert_eq!(r[0].tokens.total(), 120);
    assert_eq!(r[0].model.as_deref(), Some("gpt-5.2"));
    assert!(r[0].flags.subagent);
    assert_eq!(r[0].session, "019e0000-aaaa-7bbb-8ccc-000000000002");
    assert_eq!(r[0].timestamp_ms, ms("2026-05-12T08:04:00.000Z"));
    assert_eq!(
        r[0].dedup_key,
        "019e0000-aaaa-7bbb-8ccc-000000000002:1600-160-320-5"
    );
}

/// The quirk fixtures, by the numbers their comments promise.
#[test]
fn quirk_fixtures_add_up() {
    let sum = |r: &[UsageRecord]| {
        r.iter()
            .map(|x| (x.tokens.input, x.tokens.cache_read, x.tokens.output))
            .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
    };
    // Context-window fill: two calls, the fill row neither counts nor moves the baseline.
    let r = records_of("context_window_fill.jsonl");
    assert_eq!(r.len(), 2);
    assert_eq!(sum(&r), (10000 + 5000, 40000 + 35000, 2000 + 1100));
    // Stale snapshot skipped; the compaction reset counts its own last call.
    let r = records_of("stale_and_reset.jsonl");
    assert_eq!(r.len(), 5);
    assert_eq!(r[3].tokens, tokens(6000, 0, 350, 0));
    assert_eq!(r[4].tokens, tokens(1000, 6000, 250, 0));
    // A user fork: only the child's own call counts, with its own turn's model.
    let r = records_of("user_fork_turn_ids.jsonl");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].tokens, tokens(2000, 8000, 300, 0));
    assert_eq!(r[0].model.as_deref(), Some("gpt-5.1-codex"));
    assert!(!r[0].flags.subagent);
    // A subagent whose replayed task_started events predate it.
    let r = records_of("subagent_task_started.jsonl");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].tokens, tokens(900, 0, 50, 0));
    assert!(r[0].flags.subagent);
    // token_usage_record lines are the same responses: counted once, by token_count.
    let r = records_of("token_usage_record_ignored.jsonl");
    assert_eq!(r.len(), 2);
    assert_eq!(sum(&r), (2000 + 600, 5000 + 7000, 300 + 100));
    // No usage at all before the envelope format.
    assert!(records_of("pre_envelope_2025.jsonl").is_empty());
    // Model changes: sticky turn_context models, a one-row override.
    let models: Vec<Option<String>> = records_of("model_changes.jsonl")
        .into_iter()
        .map(|x| x.model)
        .collect();
    let want = [
        "gpt-5-codex",
        "gpt-5-codex",
        "gpt-5.1-codex-max",
        "gpt-5.1-codex-mini",
        "gpt-5.1-codex-max",
    ];
    assert_eq!(models, want.map(|m| Some(m.to_owned())));
}

// ------------------------------------------------------------------------- (c) end to end

const A_ID: &str = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const A_NAME: &str = "rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";
const LEGACY_ID: &str = "0198f9a0-1111-7222-8333-444455556666";
const PARENT_ID: &str = "019e0000-aaaa-7bbb-8ccc-000000000001";
const CHILD_ID: &str = "019e0000-aaaa-7bbb-8ccc-000000000002";

struct Home {
    _tmp: tempfile::TempDir,
    base: Utf8PathBuf,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().unwrap();
        let base = Utf8PathBuf::from_path_buf(tmp.path().to_owned()).unwrap();
        Home { _tmp: tmp, base }
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Utf8PathBuf {
        let path = self.base.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    fn append(&self, rel: &str, bytes: &[u8]) {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(self.base.join(rel))
            .unwrap();
        f.write_all(bytes).unwrap();
    }
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn options() -> ScanOptions {
    ScanOptions::new().only([ProviderId::Codex])
}

fn run_scan(store: &mut Store, env: &Env, opts: &ScanOptions) -> ScanSummary {
    let summary = scan(store, env, opts, &mut |_| {}).unwrap();
    assert_eq!(summary.providers.len(), 1);
    assert_eq!(summary.providers[0].provider, ProviderId::Codex);
    summary
}

fn report(store: &Store, by: &[GroupKey]) -> Report {
    store
        .report(&ReportQuery::new().group_by(by.to_vec()))
        .unwrap()
}

fn totals(store: &Store) -> Totals {
    report(store, &[]).totals
}

/// requests, fresh input, cache reads, output, reasoning, total.
fn numbers(t: &Totals) -> (u64, u64, u64, u64, u64, u64) {
    (
        t.requests,
        t.input_tokens,
        t.cache_read_tokens,
        t.output_tokens,
        t.reasoning_tokens,
        t.total_tokens,
    )
}

/// The legacy totals-only worked example, under a thread id of its own (no session_meta).
fn legacy_file() -> Vec<u8> {
    fixture("worked_example_legacy_totals.jsonl")
}

/// The parent of the subagent worked example: its own two calls (totals 1200 and 1800).
fn parent_file() -> String {
    let lines = fixture("worked_example_subagent_replay.jsonl");
    let lines: Vec<&str> = std::str::from_utf8(&lines).unwrap().lines().collect();
    // The parent's meta, a turn_context, then the two rows the child replays, at their
    // original times.
    [
        lines[1].replace("08:03:00.000Z", "07:55:00.000Z"),
        r#"{"timestamp":"2026-05-12T07:55:01.000Z","type":"turn_context","payload":{"cwd":"/home/dev/acme-api","model":"gpt-5.2","approval_policy":"never"}}"#.to_owned(),
        lines[2].replace("08:03:00.000Z", "07:56:00.000Z"),
        lines[3].replace("08:03:00.000Z", "07:58:00.000Z"),
    ]
    .join("\n")
        + "\n"
}

/// The subagent worked example up to the end of its replay (meta, parent meta, two replayed
/// rows), and the rest (its own turn_context and call).
fn child_parts() -> (String, String) {
    let text = String::from_utf8(fixture("worked_example_subagent_replay.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    (lines[..4].join("\n") + "\n", lines[4..].join("\n") + "\n")
}

/// A new call appended to session A after a re-emit of its last total.
const A_REEMIT: &str = r#"{"timestamp":"2025-10-03T09:21:31.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":25500,"cached_input_tokens":21100,"output_tokens":1250,"reasoning_output_tokens":448,"total_tokens":26750},"last_token_usage":{"input_tokens":13500,"cached_input_tokens":12100,"output_tokens":450,"reasoning_output_tokens":128,"total_tokens":13950},"model_context_window":272000},"rate_limits":null}}"#;
const A_NEXT: &str = r#"{"timestamp":"2025-10-03T09:22:10.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":40000,"cached_input_tokens":33000,"output_tokens":1600,"reasoning_output_tokens":500,"total_tokens":41600},"last_token_usage":{"input_tokens":14500,"cached_input_tokens":11900,"output_tokens":350,"reasoning_output_tokens":52,"total_tokens":14850},"model_context_window":272000},"rate_limits":null}}"#;

const A_LAST: &str = r#"{"timestamp":"2025-10-03T09:25:00.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":52000,"cached_input_tokens":44000,"output_tokens":1900,"reasoning_output_tokens":560,"total_tokens":53900},"last_token_usage":{"input_tokens":12000,"cached_input_tokens":11000,"output_tokens":300,"reasoning_output_tokens":60,"total_tokens":12300},"model_context_window":272000},"rate_limits":null}}"#;

/// Lays out `~/.codex` like Codex does: dated session directories, an early flat rollout, an
/// archive holding a plain copy of a live session and a `.zst` one, a legacy totals-only
/// file in the archive, and a subagent whose rollout so far holds only its replay.
fn lay_out(home: &Home, root: &str) {
    let a = fixture("worked_example_reemit.jsonl");
    home.write(&format!("{root}/sessions/2025/10/03/{A_NAME}"), &a);
    // Archived copies of session A, plain and compressed: nothing counts twice.
    home.write(&format!("{root}/archived_sessions/{A_NAME}"), &a);
    home.write(
        &format!("{root}/archived_sessions/2025/10/03/{A_NAME}.zst"),
        &zstd(&a),
    );
    home.write(
        &format!("{root}/archived_sessions/rollout-2025-09-05T18-00-00-{LEGACY_ID}.jsonl.zst"),
        &zstd(&legacy_file()),
    );
    // An early flat rollout (May 2025): found, but it recorded no usage.
    home.write(
        &format!("{root}/sessions/rollout-2025-05-20-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl"),
        &fixture("pre_envelope_2025.jsonl"),
    );
    home.write(
        &format!("{root}/sessions/2026/05/12/rollout-2026-05-12T09-55-00-{PARENT_ID}.jsonl"),
        parent_file().as_bytes(),
    );
    home.write(
        &format!("{root}/sessions/2026/05/12/rollout-2026-05-12T10-03-00-{CHILD_ID}.jsonl"),
        child_parts().0.as_bytes(),
    );
    // Not logs: other state Codex keeps beside the sessions.
    home.write(
        &format!("{root}/history.jsonl"),
        b"{\"text\":\"<PROMPT>\"}\n",
    );
    home.write(&format!("{root}/sessions/2025/10/03/notes.txt"), b"x\n");
}

// Session A 2 + legacy 2 + parent 2 requests, by hand from the worked examples:
// fresh input 4400 + 1300 + 1350, cache reads 21100 + 300 + 150, output 1250 + 450 + 300,
// reasoning 448 + 40 + 0, total 26750 + 2050 + 1800.
const FIRST: (u64, u64, u64, u64, u64, u64) = (6, 7050, 21550, 2000, 488, 30600);

#[test]
fn end_to_end_default_home() {
    let home = Home::new();
    lay_out(&home, ".codex");
    let env = Env::isolated(home.base.as_str());
    let mut store = Store::open(&home.base.join("db/scopeon.db")).unwrap();

    let s = run_scan(&mut store, &env, &options());
    let p = &s.providers[0];
    assert_eq!(p.roots.len(), 1);
    assert_eq!(p.roots[0].path, home.base.join(".codex"));
    assert!(p.roots[0].exists);
    assert_eq!(p.files, 7, "{p:?}");
    assert_eq!(p.new_records, 6);
    assert_eq!(p.skipped.total(), 0);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(numbers(&totals(&store)), FIRST);

    // By day (UTC): the path says 11:20 local, the lines say 09:20Z on 2025-10-03.
    let by_day = report(&store, &[GroupKey::Day]);
    let days: Vec<(Option<String>, u64, u64)> = by_day
        .rows
        .iter()
        .map(|r| (r.key[0].1.clone(), r.totals.requests, r.totals.total_tokens))
        .collect();
    assert_eq!(
        days,
        [
            (Some("2025-09-05".to_owned()), 2, 2050),
            (Some("2025-10-03".to_owned()), 2, 26750),
            (Some("2026-05-12".to_owned()), 2, 1800),
        ]
    );
    // By session: the legacy archive's thread comes from its file name.
    let sessions: Vec<Option<String>> = report(&store, &[GroupKey::Session])
        .rows
        .iter()
        .map(|r| r.key[0].1.clone())
        .collect();
    assert_eq!(
        sessions,
        [LEGACY_ID, A_ID, PARENT_ID].map(|s| Some(s.to_owned()))
    );
    // By model: unknown for the legacy file, never guessed.
    let models: Vec<(Option<String>, u64)> = report(&store, &[GroupKey::Model])
        .rows
        .iter()
        .map(|r| (r.key[0].1.clone(), r.totals.requests))
        .collect();
    assert!(models.contains(&(None, 2)), "{models:?}");
    assert!(models.contains(&(Some("gpt-5-codex".to_owned()), 2)));
    assert!(models.contains(&(Some("gpt-5.2".to_owned()), 2)));

    // A second scan finds nothing new and opens nothing.
    let s = run_scan(&mut store, &env, &options());
    assert_eq!(s.providers[0].new_records, 0);
    assert_eq!(s.providers[0].files_read, 0);
    assert_eq!(numbers(&totals(&store)), FIRST);

    // Appends: session A re-emits its last total (not usage: known only from the resumed
    // state) and makes a call; the subagent's replay ends and it makes its own call (counted
    // against the baseline its replay set in the previous scan).
    home.append(
        &format!(".codex/sessions/2025/10/03/{A_NAME}"),
        format!("{A_REEMIT}\n{A_NEXT}\n").as_bytes(),
    );
    home.append(
        &format!(".codex/sessions/2026/05/12/rollout-2026-05-12T10-03-00-{CHILD_ID}.jsonl"),
        child_parts().1.as_bytes(),
    );
    let s = run_scan(&mut store, &env, &options());
    let p = &s.providers[0];
    assert_eq!(p.files_read, 2);
    assert_eq!(p.files_restarted, 0);
    assert_eq!(p.new_records, 2);
    // + A's call (14500 in, 11900 cached, 350 out, 52 reasoning) + the child's (100, 10, 20, 5).
    let (r, i, c, o, re, t) = FIRST;
    assert_eq!(
        numbers(&totals(&store)),
        (
            r + 2,
            i + 2600 + 90,
            c + 11900 + 10,
            o + 350 + 20,
            re + 52 + 5,
            t + 14850 + 120
        )
    );
    let child = store
        .report(&ReportQuery::new().group_by(vec![GroupKey::Session, GroupKey::Model]))
        .unwrap()
        .rows
        .into_iter()
        .find(|r| r.key[0].1.as_deref() == Some(CHILD_ID))
        .unwrap();
    assert_eq!(child.key[1].1.as_deref(), Some("gpt-5.2"));
    assert_eq!(child.totals.total_tokens, 120);

    // And again nothing.
    let s = run_scan(&mut store, &env, &options());
    assert_eq!(s.providers[0].new_records, 0);
    let before = totals(&store);

    // Codex archives a session by moving its rollout; it may still grow. The moved file
    // continues its old checkpoint (and parser state): only the new call counts.
    let archived = format!(".codex/archived_sessions/2025/10/03/{A_NAME}");
    fs::create_dir_all(home.base.join(".codex/archived_sessions/2025/10/03")).unwrap();
    fs::rename(
        home.base
            .join(format!(".codex/sessions/2025/10/03/{A_NAME}")),
        home.base.join(&archived),
    )
    .unwrap();
    home.append(&archived, format!("{A_LAST}\n").as_bytes());
    let s = run_scan(&mut store, &env, &options());
    assert_eq!(s.providers[0].new_records, 1);
    assert_eq!(s.providers[0].files_restarted, 0);
    let after = totals(&store);
    assert_eq!(
        numbers(&after),
        (
            before.requests + 1,
            before.input_tokens + 1000,
            before.cache_read_tokens + 11000,
            before.output_tokens + 300,
            before.reasoning_tokens + 60,
            before.total_tokens + 12300
        )
    );
}

#[test]
fn codex_home_replaces_the_default_and_takes_a_list() {
    let home = Home::new();
    lay_out(&home, ".codex");
    home.write(
        &format!("one/sessions/2025/10/03/{A_NAME}"),
        &fixture("worked_example_reemit.jsonl"),
    );
    home.write(
        &format!("two/archived_sessions/rollout-2025-09-05T18-00-00-{LEGACY_ID}.jsonl"),
        &legacy_file(),
    );
    let list = format!("{}, {}", home.base.join("one"), home.base.join("two"));
    let env = Env::isolated(home.base.as_str()).with_vars(&[("CODEX_HOME", list.as_str())]);
    let mut store = Store::open(&home.base.join("db/scopeon.db")).unwrap();
    let s = run_scan(&mut store, &env, &options());
    let roots: Vec<&Utf8Path> = s.providers[0]
        .roots
        .iter()
        .map(|r| r.path.as_path())
        .collect();
    assert_eq!(roots, [home.base.join("one"), home.base.join("two")]);
    assert_eq!(s.providers[0].files, 2);
    // Only the two roots: session A and the legacy file, nothing of ~/.codex.
    assert_eq!(
        numbers(&totals(&store)),
        (
            4,
            4400 + 1300,
            21100 + 300,
            1250 + 450,
            448 + 40,
            26750 + 2050
        )
    );
}

#[test]
fn oversized_zst_archives_are_skipped_and_counted() {
    let home = Home::new();
    let a = fixture("worked_example_reemit.jsonl");
    home.write(&format!(".codex/archived_sessions/{A_NAME}.zst"), &zstd(&a));
    let env = Env::isolated(home.base.as_str());
    let mut store = Store::open(&home.base.join("db/scopeon.db")).unwrap();
    let opts = options().max_document(a.len() as u64 - 1);
    let s = run_scan(&mut store, &env, &opts);
    assert_eq!(s.providers[0].skipped.get(SkipReason::TooLong), 1);
    assert_eq!(totals(&store).requests, 0);
    // The same cap again: the file is settled, not read again.
    let s = run_scan(&mut store, &env, &opts);
    assert_eq!(s.providers[0].files_unchanged, 1);
    // With room for it (a raised `max_document_bytes`), the unchanged archive is read whole.
    let opts = options().max_document(a.len() as u64);
    let s = run_scan(&mut store, &env, &opts);
    assert_eq!(s.providers[0].skipped.get(SkipReason::TooLong), 0);
    assert_eq!(numbers(&totals(&store)).0, 2);
    // And then it is settled.
    let s = run_scan(&mut store, &env, &opts);
    assert_eq!(s.providers[0].files_unchanged, 1);
}

// ------------------------------------------------------------------------------ (d) privacy

const MARK: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

/// A realistic rollout with the marker in every text field Codex writes: instructions,
/// prompts, answers, reasoning, tool calls and their output, file paths inside patches and
/// commands, titles, compaction summaries, and unread metadata of the usage lines.
fn marked_rollout() -> String {
    let lines = [
        r#"{"timestamp":"2025-11-20T14:00:00.000Z","type":"session_meta","payload":{"id":"019aa190-9b00-7000-8000-0000000f00d1","timestamp":"2025-11-20T14:00:00.000Z","cwd":"/home/dev/acme-api","originator":"codex_cli_rs","cli_version":"0.63.0","instructions":"MARK","base_instructions":{"text":"MARK"},"source":"cli","model_provider":"openai","agent_nickname":"MARK","agent_role":"MARK","git":{"commit_hash":"MARK","branch":"MARK","repository_url":"https://example.com/MARK.git"}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:00.100Z","type":"response_item","payload":{"type":"message","role":"developer","content":[{"type":"input_text","text":"<permissions>MARK</permissions>"}]}}"#,
        r#"{"timestamp":"2025-11-20T14:00:00.200Z","type":"turn_context","payload":{"turn_id":"019aa190-9c00-7000-8000-000000000001","cwd":"/home/dev/acme-api","approval_policy":"on-request","sandbox_policy":{"mode":"workspace-write","writable_roots":["/tmp/MARK"]},"model":"gpt-5.1-codex","effort":"high","summary":"MARK","user_instructions":"MARK","developer_instructions":"MARK","final_output_json_schema":{"title":"MARK"}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:00.300Z","type":"event_msg","payload":{"type":"task_started","turn_id":"019aa190-9c00-7000-8000-000000000001","started_at":1763647200,"model_context_window":272000}}"#,
        r#"{"timestamp":"2025-11-20T14:00:00.400Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"MARK please fix token_count in src/MARK.rs"},{"type":"input_image","image_url":"data:image/png;base64,MARK"}]}}"#,
        r#"{"timestamp":"2025-11-20T14:00:00.500Z","type":"event_msg","payload":{"type":"user_message","message":"MARK please fix token_count","images":["MARK"],"kind":"plain"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:03.000Z","type":"response_item","payload":{"type":"reasoning","id":"rs_MARK","summary":[{"type":"summary_text","text":"**MARK**"}],"content":[{"type":"reasoning_text","text":"MARK"}],"encrypted_content":"gAAAAMARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:03.100Z","type":"event_msg","payload":{"type":"agent_reasoning","text":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:03.200Z","type":"event_msg","payload":{"type":"agent_reasoning_raw_content","text":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:04.000Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\"command\":[\"rg\",\"MARK\",\"/home/dev/acme-api/MARK\"],\"workdir\":\"/home/dev/MARK\"}","call_id":"call_MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:04.100Z","type":"event_msg","payload":{"type":"exec_command_begin","call_id":"call_MARK","command":["rg","MARK"],"cwd":"/home/dev/MARK","parsed_cmd":[{"type":"search","query":"MARK","path":"MARK"}]}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.000Z","type":"event_msg","payload":{"type":"exec_command_end","call_id":"call_MARK","stdout":"MARK","stderr":"MARK","aggregated_output":"MARK","exit_code":0,"duration":{"secs":1,"nanos":0},"formatted_output":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.100Z","type":"response_item","payload":{"type":"function_call_output","call_id":"call_MARK","output":"{\"output\":\"MARK\",\"metadata\":{\"exit_code\":0}}"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.200Z","type":"response_item","payload":{"type":"custom_tool_call","status":"completed","call_id":"call_2","name":"apply_patch","input":"*** Begin Patch\n*** Update File: src/MARK.rs\n+MARK\n*** End Patch"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.300Z","type":"event_msg","payload":{"type":"patch_apply_begin","call_id":"call_2","auto_approved":true,"changes":{"/home/dev/acme-api/src/MARK.rs":{"update":{"unified_diff":"+MARK","move_path":null}}}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.400Z","type":"event_msg","payload":{"type":"patch_apply_end","call_id":"call_2","stdout":"MARK","stderr":"MARK","success":true}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.500Z","type":"response_item","payload":{"type":"local_shell_call","call_id":"call_3","status":"completed","action":{"type":"exec","command":["cat","MARK"],"working_directory":"/home/MARK"}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:05.600Z","type":"response_item","payload":{"type":"web_search_call","status":"completed","action":{"type":"search","query":"MARK"}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:06.000Z","type":"token_usage_record","payload":{"response_id":"resp_MARK","service_tier":"MARK","usage":{"input_tokens":9000,"cached_input_tokens":4000,"output_tokens":700,"reasoning_output_tokens":300,"total_tokens":9700}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:06.001Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":9000,"cached_input_tokens":4000,"output_tokens":700,"reasoning_output_tokens":300,"total_tokens":9700},"last_token_usage":{"input_tokens":9000,"cached_input_tokens":4000,"output_tokens":700,"reasoning_output_tokens":300,"total_tokens":9700},"model_context_window":272000,"note":"MARK"},"rate_limits":{"primary":{"used_percent":4.0,"window_minutes":300,"resets_at":1763660000},"plan_type":"MARK","credits":{"note":"MARK"}}}}"#,
        r#"{"timestamp":"2025-11-20T14:00:07.000Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"MARK done","annotations":["MARK"]}]}}"#,
        r#"{"timestamp":"2025-11-20T14:00:07.100Z","type":"event_msg","payload":{"type":"agent_message","message":"MARK done"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:07.200Z","type":"event_msg","payload":{"type":"task_complete","turn_id":"019aa190-9c00-7000-8000-000000000001","last_agent_message":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:07.300Z","type":"event_msg","payload":{"type":"thread_name_updated","thread_name":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:07.400Z","type":"event_msg","payload":{"type":"error","message":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:08.000Z","type":"compacted","payload":{"message":"MARK","replacement_history":[{"type":"message","role":"user","content":[{"type":"input_text","text":"MARK"}]}]}}"#,
        r#"{"timestamp":"2025-11-20T14:00:08.100Z","type":"event_msg","payload":{"type":"context_compacted","summary":"MARK"}}"#,
        r#"{"timestamp":"2025-11-20T14:00:09.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":20000,"cached_input_tokens":13000,"output_tokens":1000,"reasoning_output_tokens":400,"total_tokens":21000},"last_token_usage":{"input_tokens":11000,"cached_input_tokens":9000,"output_tokens":300,"reasoning_output_tokens":100,"total_tokens":11300}},"rate_limits":null,"MARK":"MARK"}}"#,
        // A usage line cut short (a skip whose example must not quote it) ...
        r#"{"timestamp":"2025-11-20T14:00:10.000Z","type":"event_msg","payload":{"type":"token_count","note":"MARK","info":{"total_token_usage":{"input_tokens":3"#,
        // ... a line longer than the line cap, and the pre-envelope format's text lines.
        &format!(
            r#"{{"timestamp":"2025-11-20T14:00:11.000Z","type":"response_item","payload":{{"type":"message","content":[{{"text":"token_count {}"}}]}}}}"#,
            "MARK ".repeat(2000)
        ),
        r#"{"id":"MARK","timestamp":"2025-05-20T10:00:00.000Z","instructions":"MARK","git":{"branch":"MARK"}}"#,
        r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"MARK"}]}"#,
    ];
    lines.join("\n").replace("MARK", MARK) + "\n"
}

#[test]
fn no_text_reaches_the_store_or_the_output() {
    let home = Home::new();
    let rollout = marked_rollout();
    assert!(rollout.matches(MARK).count() > 60);
    let name = "rollout-2025-11-20T15-00-00-019aa190-9b00-7000-8000-0000000f00d1.jsonl";
    home.write(
        &format!(".codex/sessions/2025/11/20/{name}"),
        rollout.as_bytes(),
    );
    home.write(
        &format!(".codex/archived_sessions/{name}.zst"),
        &zstd(rollout.as_bytes()),
    );
    let env = Env::isolated(home.base.as_str());
    let db = home.base.join("db/scopeon.db");
    let mut store = Store::open(&db).unwrap();
    let opts = options().max_line(8192);
    let summary = run_scan(&mut store, &env, &opts);

    // The scan did read the usage (so the test is not vacuous) and skipped the bad lines.
    let p = &summary.providers[0];
    assert_eq!(p.new_records, 2);
    assert_eq!(p.skipped.get(SkipReason::InvalidJson), 2, "{p:?}");
    assert_eq!(p.skipped.get(SkipReason::TooLong), 2);
    assert!(!p.skipped_examples.is_empty());
    let query = ReportQuery::new().group_by(vec![
        GroupKey::Day,
        GroupKey::Provider,
        GroupKey::Project,
        GroupKey::Session,
        GroupKey::Model,
    ]);
    let report = store.report(&query).unwrap();
    assert_eq!(
        numbers(&report.totals),
        (
            2,
            5000 + 2000,
            4000 + 9000,
            700 + 300,
            300 + 100,
            9700 + 11300
        )
    );
    assert_eq!(report.rows[0].key[4].1.as_deref(), Some("gpt-5.1-codex"));

    let document = report
        .to_document(&query, serde_json::Map::new())
        .to_string();
    let outputs = [
        format!("{summary:?}"),
        serde_json::to_string(&summary).unwrap(),
        format!("{:?}", p.skipped_examples),
        document,
    ];
    for text in &outputs {
        assert!(!text.contains(MARK), "{text}");
    }
    assert_no_marker_in(&db);
    drop(store);
    assert_no_marker_in(&db);
    // The records are all there after reopening.
    let store = Store::open(&db).unwrap();
    assert_eq!(totals(&store).requests, 2);
}

/// The database file and its write-ahead log hold no marker.
fn assert_no_marker_in(db: &Utf8Path) {
    for suffix in ["", "-wal"] {
        let path = format!("{db}{suffix}");
        if let Ok(bytes) = fs::read(&path) {
            assert!(
                !bytes.windows(MARK.len()).any(|w| w == MARK.as_bytes()),
                "{path} holds the marker"
            );
        }
    }
}

// -------------------------------------------------------------------- (e) resume properties

const REL: &str =
    "sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl";

/// One generated line: a kind and a few numbers the kind uses.
type Op = (u8, u64, u64, u64, u64);

/// Builds a realistic rollout from generated operations: session metas (own, forked, a
/// parent's), turn markers of the thread and from before it, token_count rows that advance,
/// re-emit, go stale, reset, fill the context window, carry totals only or last usage only,
/// text lines, and malformed lines. `reasoning` false writes every reasoning count as 0.
fn rollout(ops: &[Op], reasoning: bool) -> Vec<u8> {
    let mut out = String::new();
    let mut total = [0u64; 4];
    let mut last = [0u64; 4];
    let mut clock = 0u64;
    for &(kind, a, b, c, d) in ops {
        clock += 1 + a % 3000;
        let ts = format!(
            "2025-10-03T{:02}:{:02}:{:02}.{:03}Z",
            9 + clock / 3_600_000 % 10,
            clock / 60_000 % 60,
            clock / 1000 % 60,
            clock % 1000
        );
        let r = if reasoning { d % (c + 1) } else { 0 };
        let usage = |u: [u64; 4]| {
            format!(
                r#"{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":{},"total_tokens":{}}}"#,
                u[0],
                u[1],
                u[2],
                u[3],
                u[0] + u[2]
            )
        };
        let row = |t: Option<[u64; 4]>, l: Option<[u64; 4]>| {
            let mut info = Vec::new();
            if let Some(t) = t {
                info.push(format!(r#""total_token_usage":{}"#, usage(t)));
            }
            if let Some(l) = l {
                info.push(format!(r#""last_token_usage":{}"#, usage(l)));
            }
            format!(
                r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{{}}},"rate_limits":null}}}}"#,
                info.join(",")
            )
        };
        let call = [a + 1, b % (a + 2), c, r];
        let line = match kind % 16 {
            0 => format!(
                r#"{{"timestamp":"{ts}","type":"session_meta","payload":{{"id":"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","cwd":"/home/dev/p{}","instructions":"<I>"{}}}}}"#,
                a % 3,
                if b % 2 == 0 {
                    r#","forked_from_id":"0199a1b2-0000-7000-8000-000000000000""#
                } else {
                    r#","source":{"subagent":"review"}"#
                }
            ),
            1 => format!(
                r#"{{"timestamp":"{ts}","type":"session_meta","payload":{{"id":"0199a1b2-0000-7000-8000-00000000000{}","cwd":"/p"}}}}"#,
                a % 4
            ),
            2 => format!(
                r#"{{"timestamp":"{ts}","type":"turn_context","payload":{{"model":"gpt-5.{}","cwd":"/t","turn_id":"{}"}}}}"#,
                a % 3,
                [
                    "0199a1b2-ffff-7000-8000-000000000001",
                    "0199a1b2-0000-7000-8000-000000000001",
                    "x"
                ][b as usize % 3]
            ),
            3 => format!(
                r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"task_started","turn_id":"t{a}","started_at":{}}}}}"#,
                1_759_354_471 + (b % 3) as i64 - 1
            ),
            4..=6 => {
                total = std::array::from_fn(|i| total[i] + call[i]);
                last = call;
                row(Some(total), Some(call))
            }
            // A re-emit of the latest row (before any usage, an empty one).
            7 => row(Some(total), Some(last)),
            8 => {
                total = std::array::from_fn(|i| total[i] + call[i]);
                last = call;
                row(Some(total), None)
            }
            9 => {
                total = std::array::from_fn(|i| total[i] + call[i]);
                last = call;
                row(None, Some(call))
            }
            10 => {
                // Stale or reset: back by some amount.
                let back = [a % (total[0] + 1), 0, c % (total[2] + 1), 0];
                let t = std::array::from_fn(|i| total[i].saturating_sub(back[i]));
                if b % 2 == 0 {
                    total = t;
                }
                row(Some(t), Some(call))
            }
            11 => format!(
                r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"total_tokens":272000}},"last_token_usage":{{"total_tokens":{a}}}}}}}}}"#
            ),
            12 => format!(
                r#"{{"timestamp":"{ts}","type":"response_item","payload":{{"type":"message","content":[{{"text":"token_count {a} \u001b"}}]}}}}"#
            ),
            13 => row(Some(total), Some(call))[..(a as usize % 80) + 1].to_owned(),
            14 => ["", "  ", "[1]", "{", "{}"][a as usize % 5].to_owned(),
            _ => format!(
                r#"{{"type":"event_msg","payload":{{"type":"token_count","info":{{"last_token_usage":{}}}}}}}"#,
                usage(call)
            ),
        };
        out.push_str(&line);
        out.push_str(if d % 7 == 0 { "\r\n" } else { "\n" });
    }
    out.into_bytes()
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        (0u8..16, 0u64..20_000, 0u64..20_000, 0u64..3000, 0u64..1000),
        0..40,
    )
}

/// Reads a file that grew to each of `cuts` in turn, resuming from the previous checkpoint
/// (offset and parser state) each time, as successive scans do.
fn read_growing(data: &[u8], cuts: &[usize], cap: usize) -> (Vec<UsageRecord>, u64) {
    let ctx = SourceContext::new(REL);
    let mut records = Vec::new();
    let mut offset = 0u64;
    let mut state: Option<Vec<u8>> = None;
    for &cut in cuts.iter().chain([&data.len()]) {
        let cut = cut.max(offset as usize);
        let mut parser = Codex.parser(&ctx, state.as_deref()).unwrap();
        let pass = read_file(
            &data[offset as usize..cut],
            offset,
            cap,
            &mut *parser,
            usize::MAX,
        );
        records.extend(pass.records);
        offset = pass.offset;
        state = Some(parser.state());
    }
    (records, offset)
}

proptest! {
    /// Stopping after any line and resuming from the checkpoint equals one uninterrupted
    /// pass (the fuzz check, with its record invariants), reasoning counts included.
    #[test]
    fn resume_equals_uninterrupted(ops in ops(), stop in 0usize..64, cap in 0usize..3) {
        let data = rollout(&ops, true);
        let cap = [64, 1024, DEFAULT_MAX_LINE][cap];
        check_provider_resume(&Codex, REL, &data, cap, stop);
    }

    /// A file read while it grows, cut at arbitrary bytes (mid-line included) and resumed
    /// each time, yields exactly the records of reading it whole; with reasoning counts.
    #[test]
    fn chunked_equals_whole(
        ops in ops(),
        mut cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let data = rollout(&ops, true);
        let mut cuts: Vec<usize> = cuts.drain(..).map(|i| i.index(data.len() + 1)).collect();
        cuts.sort_unstable();
        let ctx = SourceContext::new(REL);
        let whole = read_file(&data, 0, DEFAULT_MAX_LINE, &mut *Codex.parser(&ctx, None).unwrap(), usize::MAX);
        let (records, offset) = read_growing(&data, &cuts, DEFAULT_MAX_LINE);
        prop_assert_eq!(offset, whole.offset);
        prop_assert_eq!(&records, &whole.records);
        for r in &records {
            prop_assert!(r.tokens.reasoning <= r.tokens.output);
            prop_assert!(!r.tokens.is_zero());
            let prefix = format!("{}:", r.session);
            prop_assert!(r.dedup_key.starts_with(&prefix), "{} {}", r.dedup_key, r.session);
        }
    }
}

proptest! {
    /// Without resets, replays or metas (which may set a lower baseline), every counted call
    /// raises the cumulative total, so no two records of a file share a key.
    #[test]
    fn keys_are_unique_while_totals_only_grow(ops in ops()) {
        const GROWING: [u8; 13] = [2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15];
        let ops: Vec<Op> = ops
            .into_iter()
            .map(|(k, a, b, c, d)| (GROWING[usize::from(k) % GROWING.len()], a, b, c, d))
            .collect();
        let data = rollout(&ops, true);
        let ctx = SourceContext::new(REL);
        let pass = read_file(&data, 0, DEFAULT_MAX_LINE, &mut *Codex.parser(&ctx, None).unwrap(), usize::MAX);
        let mut keys: Vec<&str> = pass.records.iter().map(|r| r.dedup_key.as_str()).collect();
        let n = keys.len();
        prop_assert_eq!(
            n,
            ops.iter().filter(|o| matches!(o.0, 4 | 5 | 6 | 8 | 9)).count(),
            "every growing row counts once, nothing else counts"
        );
        keys.sort_unstable();
        keys.dedup();
        prop_assert_eq!(keys.len(), n);
    }
}

/// The generator's file of every kind at once, read as a growing file cut around every line
/// end (just before, at and after each newline) and in the middle of every line: the
/// systematic version of `chunked_equals_whole` on one realistic file.
#[test]
fn every_cut_of_a_realistic_file() {
    let ops: Vec<Op> = (0..16u8)
        .chain(4..10)
        .map(|k| (k, 1234 + u64::from(k), 800, 120, 33))
        .collect();
    let data = rollout(&ops, true);
    let ctx = SourceContext::new(REL);
    let whole = read_file(
        &data,
        0,
        DEFAULT_MAX_LINE,
        &mut *Codex.parser(&ctx, None).unwrap(),
        usize::MAX,
    );
    assert!(whole.records.len() >= 5, "{}", whole.records.len());
    let mut cuts = Vec::new();
    let mut line_start = 0;
    for (i, _) in data.iter().enumerate().filter(|(_, b)| **b == b'\n') {
        cuts.extend([(line_start + i) / 2, i.saturating_sub(1), i, i + 1]);
        line_start = i + 1;
    }
    assert!(cuts.len() > 80);
    for cut in cuts {
        let (records, _) = read_growing(&data, &[cut], DEFAULT_MAX_LINE);
        assert_eq!(records, whole.records, "cut at {cut}");
        // And a second growth step after the first.
        let (records, _) = read_growing(&data, &[cut / 2, cut], DEFAULT_MAX_LINE);
        assert_eq!(records, whole.records, "cuts at {} and {cut}", cut / 2);
    }
}
