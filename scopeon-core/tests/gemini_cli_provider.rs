//! The Gemini CLI provider, end to end: snapshots of every fixture, the worked examples of
//! docs/providers/gemini_cli.md with their expected numbers written out by hand, scans of a
//! temporary home laid out like Gemini CLI's (default root and `$GEMINI_CLI_HOME`), a privacy check
//! with a marker planted in every text field, and property tests of resuming and chunked reads.

use std::collections::BTreeMap;
use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use scopeon_core::env::Env;
use scopeon_core::fuzz_checks::{self, ChunkedReader};
use scopeon_core::provider::gemini_cli::GeminiCli;
use scopeon_core::provider::{LineOutcome, Provider, SkipReason, SourceContext};
use scopeon_core::record::{ProviderId, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{GroupKey, ReportQuery, Store, Totals};
use scopeon_core::tail::{DEFAULT_MAX_LINE, Frame, LineReader};
use serde::Serialize;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gemini_cli");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

/// The context a fixture is parsed in: a slug project directory whose `.project_root` was read.
fn ctx(name: &str) -> SourceContext {
    SourceContext {
        relative_path: format!("tmp/acme-api/chats/{name}").into(),
        project: Some("/home/dev/acme-api".into()),
        ..SourceContext::default()
    }
}

// ------------------------------------------------------------------------------- snapshots

#[derive(Serialize)]
struct Parsed {
    offset: u64,
    outcome: String,
    records: Vec<UsageRecord>,
}

fn outcome_name(outcome: LineOutcome) -> String {
    match outcome {
        LineOutcome::Records(n) => format!("records({n})"),
        LineOutcome::Ignored => "ignored".to_owned(),
        LineOutcome::Skipped(r) => format!("skipped({r})"),
    }
}

/// Frames and parses a `.jsonl` fixture as a scan does, line by line.
fn parse_lines(name: &str, bytes: &[u8]) -> Vec<Parsed> {
    let mut parser = GeminiCli.parser(&ctx(name), None).unwrap();
    let mut reader = LineReader::new(bytes, 0, 1 << 20);
    let mut out = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        let (offset, outcome, records) = match frame {
            Frame::Line { bytes, start } => {
                let mut records = Vec::new();
                let outcome = if bytes.iter().all(u8::is_ascii_whitespace) {
                    "blank".to_owned()
                } else if bytes.contains(&0) {
                    "binary".to_owned()
                } else {
                    outcome_name(parser.parse_line(bytes, &mut records))
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

fn parse_doc(name: &str, bytes: &[u8]) -> (LineOutcome, Vec<UsageRecord>) {
    let mut records = Vec::new();
    let outcome = GeminiCli.parse_document(&ctx(name), bytes, &mut records);
    (outcome, records)
}

#[test]
fn jsonl_fixtures() {
    insta::glob!("fixtures/gemini_cli/*.jsonl", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        insta::assert_yaml_snapshot!(parse_lines(name, &bytes));
    });
}

#[test]
fn json_fixtures() {
    insta::glob!("fixtures/gemini_cli/*.json", |path| {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let (outcome, records) = parse_doc(name, &bytes);
        insta::assert_yaml_snapshot!(Parsed {
            offset: 0,
            outcome: outcome_name(outcome),
            records,
        });
    });
}

// ------------------------------------------------------------------------- worked examples

/// Records as the store keeps them: one per key, the copy read last, in first-seen order.
fn last_copies(records: Vec<UsageRecord>) -> Vec<UsageRecord> {
    let mut order: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<String, UsageRecord> = BTreeMap::new();
    for r in records {
        if !by_key.contains_key(&r.dedup_key) {
            order.push(r.dedup_key.clone());
        }
        by_key.insert(r.dedup_key.clone(), r);
    }
    order
        .into_iter()
        .map(|k| by_key.remove(&k).unwrap())
        .collect()
}

fn all_records(name: &str) -> Vec<UsageRecord> {
    parse_lines(name, &fixture(name))
        .into_iter()
        .flat_map(|p| p.records)
        .collect()
}

/// (input, cache_creation, cache_read, output, reasoning, total) of a record.
fn counts(r: &UsageRecord) -> (u64, u64, u64, u64, u64, u64) {
    let t = &r.tokens;
    (
        t.input,
        t.cache_creation,
        t.cache_read,
        t.output,
        t.reasoning,
        t.total(),
    )
}

/// docs/providers/gemini_cli.md, current JSONL: two events, the null-token copy not counted.
#[test]
fn worked_example_jsonl() {
    let raw = all_records("worked_example.jsonl");
    // The `tokens: null` copy of …0002 emits nothing; its copy with tokens does.
    assert_eq!(raw.len(), 2);
    let records = last_copies(raw);
    assert_eq!(records.len(), 2);

    let a = &records[0];
    assert_eq!(
        a.dedup_key,
        "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f:e0c1a2b3-0000-4000-8000-000000000002"
    );
    assert_eq!(a.session, "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f");
    assert_eq!(a.model.as_deref(), Some("gemini-2.5-pro"));
    assert_eq!(a.timestamp_ms, 1_777_881_627_903); // 2026-05-04T08:00:27.903Z
    // input 15234 (uncached 4214), cached 11020, output 412 + thoughts 230, total 15876.
    assert_eq!(counts(a), (4214, 0, 11020, 642, 230, 15876));

    let b = &records[1];
    assert_eq!(
        b.dedup_key,
        "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f:e0c1a2b3-0000-4000-8000-000000000003"
    );
    assert_eq!(b.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(b.timestamp_ms, 1_777_881_662_250); // 2026-05-04T08:01:02.250Z
    // input 16003 (uncached 903), cached 15100, output 88, total 16091.
    assert_eq!(counts(b), (903, 0, 15100, 88, 0, 16091));

    for r in &records {
        assert_eq!(r.provider, ProviderId::GeminiCli);
        assert_eq!(r.project.as_deref(), Some("/home/dev/acme-api"));
        assert_eq!(r.message_id, None);
        assert_eq!(r.requests, 1);
        assert!(!r.flags.subagent && !r.flags.sidechain && !r.flags.estimated);
    }
}

/// docs/providers/gemini_cli.md, legacy JSON, and its tricky variant truncated mid-write.
#[test]
fn worked_example_legacy_json() {
    let (outcome, records) = parse_doc(
        "session-2025-09-20T14-05-1c2d3e4f.json",
        &fixture("legacy_worked_example.json"),
    );
    assert_eq!(outcome, LineOutcome::Records(1));
    let m2 = &records[0];
    assert_eq!(m2.dedup_key, "1c2d3e4f-aaaa-4bbb-8ccc-ddddeeeeffff:m2");
    assert_eq!(m2.session, "1c2d3e4f-aaaa-4bbb-8ccc-ddddeeeeffff");
    assert_eq!(m2.model.as_deref(), Some("gemini-2.5-pro"));
    assert_eq!(m2.timestamp_ms, 1_758_377_149_212); // 2025-09-20T14:05:49.212Z
    // input 8200, cached 0, output 640 + thoughts 1100, total 9940.
    assert_eq!(counts(m2), (8200, 0, 0, 1740, 1100, 9940));

    let truncated = fixture("legacy_truncated.json");
    assert!(truncated.ends_with(br#""tokens":{"input":82"#));
    let (outcome, records) = parse_doc("session-2025-09-20T14-05-1c2d3e4f.json", &truncated);
    assert_eq!(outcome, LineOutcome::Skipped(SkipReason::InvalidJson));
    assert!(records.is_empty());
}

/// The other quirks, with their numbers worked out by hand.
#[test]
fn quirk_fixtures() {
    // Re-appended copies: the last copy with tokens wins; a later null copy changes nothing.
    let r = last_copies(all_records("reappended_copies.jsonl"));
    assert_eq!(r.len(), 2);
    assert_eq!(counts(&r[0]), (9000 - 4000, 0, 4000, 150 + 60, 60, 9210));
    assert_eq!(counts(&r[1]), (9800 - 8800, 0, 8800, 75, 0, 9875));

    // A $set checkpoint repeats c2 and c4 as copies; c5 (tokens null) adds nothing.
    let raw = all_records("set_checkpoint.jsonl");
    assert_eq!(raw.len(), 4);
    let r = last_copies(raw);
    assert_eq!(r.len(), 2);
    assert_eq!(counts(&r[0]), (5000, 0, 0, 200, 0, 5200));
    assert_eq!(counts(&r[1]), (6400 - 5000, 0, 5000, 90 + 35, 35, 6525));

    // Rewound w4 was paid for: it counts beside w2 and the retry w6.
    let r = last_copies(all_records("rewind.jsonl"));
    let keys: Vec<&str> = r
        .iter()
        .map(|r| r.dedup_key.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(keys, ["w2", "w4", "w6"]);
    assert_eq!(counts(&r[1]), (3700 - 2900, 0, 2900, 800, 0, 4500));

    // Cache rules: tool tokens are input; a total with cached on top says input excludes
    // it; no total or a mismatched total follows Gemini's semantics; cached > input is
    // outside; zero usage is no record; a missing model is None.
    let r = all_records("cache_rules.jsonl");
    let got: Vec<_> = r.iter().map(counts).collect();
    assert_eq!(
        got,
        [
            (12000 - 8000 + 450, 0, 8000, 300, 0, 4450 + 8000 + 300),
            (4000, 0, 6000, 100, 0, 10100),
            (7000 - 5000, 0, 5000, 70 + 30, 30, 2000 + 5000 + 100),
            (7000 - 5000, 0, 5000, 70 + 30, 30, 2000 + 5000 + 100),
            (300, 0, 900, 20, 0, 1220),
            (800, 0, 0, 15, 0, 815),
        ]
    );
    assert_eq!(r[5].model, None);

    // Migration pair: the .json and .jsonl copies of g2 share a key.
    let (_, json) = parse_doc("migrated.json", &fixture("migrated.json"));
    let jsonl = all_records("migrated.jsonl");
    assert_eq!(json.len(), 1);
    assert_eq!(jsonl.len(), 2);
    assert_eq!(json[0].dedup_key, jsonl[0].dedup_key);
    assert_eq!(json[0].tokens, jsonl[0].tokens);
    assert_eq!(
        jsonl[1].dedup_key,
        "5e6f7081-92a3-4b4c-85d6-e7f8091a2b3c:g4"
    );

    // Subagent metadata flags the records.
    let r = all_records("subagent.jsonl");
    assert!(r[0].flags.subagent);
    assert_eq!(counts(&r[0]), (2500, 0, 0, 55, 15, 2555));

    // Before any metadata line the file stem keys records; after it, the session id.
    let r = all_records("no_metadata_and_other_types.jsonl");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].dedup_key, "no_metadata_and_other_types:n5");
    assert_eq!(r[1].dedup_key, "8192a3b4-c5d6-4e7f-8809-1a2b3c4d5e6f:n6");

    // BOM, CRLF, blank lines and an invalid UTF-8 byte inside an ignored string.
    let parsed = parse_lines(
        "bom_crlf_invalid_utf8.jsonl",
        &fixture("bom_crlf_invalid_utf8.jsonl"),
    );
    let outcomes: Vec<&str> = parsed.iter().map(|p| p.outcome.as_str()).collect();
    assert_eq!(outcomes[0], "ignored");
    assert_eq!(outcomes[1], "records(1)");
    assert_eq!(&outcomes[2..4], ["blank", "blank"]);
    // An invalid UTF-8 byte inside content, which is never read, does not cost the line.
    assert_eq!(&outcomes[4..], ["records(1)", "records(1)"]);

    // Legacy documents: pretty-printed, hostile, overflowing.
    let (outcome, r) = parse_doc("legacy_pretty.json", &fixture("legacy_pretty.json"));
    assert_eq!(outcome, LineOutcome::Records(2));
    assert_eq!(
        counts(&r[0]),
        (21000 - 18000, 0, 18000, 350 + 420, 420, 21770)
    );
    assert_eq!(counts(&r[1]), (22500 + 300, 0, 0, 120, 0, 22920));
    let (outcome, r) = parse_doc("legacy_hostile.json", &fixture("legacy_hostile.json"));
    assert_eq!(outcome, LineOutcome::Records(3));
    assert!(r.iter().all(|r| r.flags.subagent && r.session == "12345"));
    assert_eq!(counts(&r[0]), (900, 0, 0, 12, 0, 912));
    assert_eq!(
        (r[1].tokens.input, r[1].tokens.output),
        (u64::MAX, u64::MAX)
    );
    // h6: an epoch-seconds timestamp; total says cached is inside input.
    assert_eq!(r[2].timestamp_ms, 1_767_323_340_000);
    assert_eq!(counts(&r[2]), (10, 0, 30, 4, 0, 44));
    let (outcome, r) = parse_doc(
        "legacy_number_overflow.json",
        &fixture("legacy_number_overflow.json"),
    );
    assert_eq!(outcome, LineOutcome::Skipped(SkipReason::InvalidJson));
    assert!(r.is_empty());
}

#[test]
fn hostile_lines() {
    let parsed = parse_lines("hostile.jsonl", &fixture("hostile.jsonl"));
    let by_outcome = |o: &str| parsed.iter().filter(|p| p.outcome == o).count();
    // The unterminated last line is never framed.
    assert_eq!(parsed.len(), 19);
    assert_eq!(by_outcome("skipped(invalid_json)"), 4);
    assert_eq!(by_outcome("skipped(not_an_object)"), 2);
    assert_eq!(by_outcome("skipped(missing_field)"), 2);
    let records: Vec<&UsageRecord> = parsed.iter().flat_map(|p| &p.records).collect();
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r.dedup_key.rsplit(':').next().unwrap())
        .collect();
    assert_eq!(ids, ["x3", "x4b", "x7", "x10"]);
    assert_eq!(counts(records[0]), (600, 0, 0, 7, 0, 607));
    assert_eq!(records[1].tokens.output, u64::MAX);
    assert_eq!(counts(records[2]), (77, 0, 0, 7, 0, 84));
    assert_eq!(records[3].model.as_ref().unwrap().len(), 1024);
}

// ------------------------------------------------------------------------------ end to end

struct Home {
    _dir: tempfile::TempDir,
    home: Utf8PathBuf,
}

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        Home { _dir: dir, home }
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        // A relative path only: joining an absolute one would write outside the temp home.
        assert!(!rel.starts_with('/'), "{rel} is not relative to the home");
        let path = self.home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn append(&self, rel: &str, bytes: &[u8]) {
        assert!(!rel.starts_with('/'), "{rel} is not relative to the home");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.home.join(rel))
            .unwrap();
        f.write_all(bytes).unwrap();
    }
}

fn options() -> ScanOptions {
    ScanOptions::new().only([ProviderId::GeminiCli])
}

fn run(store: &mut Store, env: &Env) -> ScanSummary {
    let summary = scan(store, env, &options(), &mut |_| {}).unwrap();
    assert_eq!(summary.providers[0].provider, ProviderId::GeminiCli);
    summary
}

fn totals(store: &Store) -> Totals {
    let q = ReportQuery::new().group_by(Vec::new());
    store.report(&q).unwrap().totals
}

fn by(store: &Store, key: GroupKey) -> Vec<(Option<String>, u64, u64)> {
    let q = ReportQuery::new().group_by(vec![key]);
    store
        .report(&q)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (r.key[0].1.clone(), r.totals.requests, r.totals.total_tokens))
        .collect()
}

const HASH_DIR: &str = "tmp/5e6f7a8b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b";
const MAIN_SESSION: &str = "5d7e9f10-4a2b-4c3d-9e8f-7a6b5c4d3e2f";
const WORKED: &str = "tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl";
const LEGACY: &str = "tmp/5e6f7a8b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b/chats/session-2025-09-20T14-05-1c2d3e4f.json";

/// A usage line Gemini CLI would write, used as bait in files that must never be read.
const BAIT: &str = r#"{"id":"bait","timestamp":"2026-05-04T09:00:00.000Z","type":"gemini","tokens":{"input":1000000,"output":1000000,"cached":0,"total":2000000},"model":"gemini-2.5-pro"}"#;

/// Lays out a Gemini CLI root under `base` (`<base>.gemini`; `base` is empty or ends in `/`).
fn gemini_root(h: &Home, base: &str) {
    let g = |rel: &str| format!("{base}.gemini/{rel}");
    h.write(
        &g("projects.json"),
        br#"{"projects":{"/home/dev/acme-api":"acme-api","/home/dev/web":"web"}}"#,
    );
    h.write(&g("tmp/acme-api/.project_root"), b"/home/dev/acme-api\n");
    h.write(&g(WORKED), &fixture("worked_example.jsonl"));
    h.write(
        &g("tmp/acme-api/chats/session-2026-03-02T16-00-5e6f7081.json"),
        &fixture("migrated.json"),
    );
    h.write(
        &g("tmp/acme-api/chats/session-2026-03-02T16-00-5e6f7081.jsonl"),
        &fixture("migrated.jsonl"),
    );
    h.write(
        &g(&format!(
            "tmp/acme-api/chats/{MAIN_SESSION}/6f708192-a3b4-4c5d-96e7-f8091a2b3c4d.jsonl"
        )),
        &fixture("subagent.jsonl"),
    );
    h.write(
        &g("tmp/web/chats/session-2026-05-10T12-00-2a3b4c5d.jsonl"),
        &fixture("reappended_copies.jsonl"),
    );
    h.write(&g(LEGACY), &fixture("legacy_truncated.json"));
    // Files that are not recordings, each holding what would be usage if read.
    let bait = format!("{BAIT}\n");
    h.write(&g(&format!("{HASH_DIR}/logs.json")), bait.as_bytes());
    h.write(&g("tmp/acme-api/checkpoint-save1.json"), bait.as_bytes());
    h.write(
        &g("tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl.tmp-4242"),
        bait.as_bytes(),
    );
    h.write(
        &g("tmp/acme-api/chats/session-2026-05-01T08-00-deadbeef.jsonl.unreadable-1777000000000"),
        bait.as_bytes(),
    );
    h.write(
        &g("history/acme-api/chats/session-x.jsonl"),
        bait.as_bytes(),
    );
    h.write(
        &g("tmp/acme-api/tool-outputs/session-x.jsonl"),
        bait.as_bytes(),
    );
}

/// Expected totals of [`gemini_root`] before any change, per record, from the fixtures:
/// worked example …0002 and …0003; migrated g2 (once) and g4; subagent s2; re-appended r2
/// and r3. The truncated legacy file yields nothing.
fn expected_first() -> Totals {
    let records: [(u64, u64, u64, u64, u64); 7] = [
        (4214, 11020, 642, 230, 15876),
        (903, 15100, 88, 0, 16091),
        (4100, 0, 260, 0, 4360),
        (700, 4000, 90, 0, 4790),
        (2500, 0, 55, 15, 2555),
        (5000, 4000, 210, 60, 9210),
        (1000, 8800, 75, 0, 9875),
    ];
    sum(&records)
}

fn sum(records: &[(u64, u64, u64, u64, u64)]) -> Totals {
    let mut t = Totals {
        requests: records.len() as u64,
        ..Totals::default()
    };
    for (input, cache_read, output, reasoning, total) in records {
        assert_eq!(input + cache_read + output, *total);
        t.input_tokens += input;
        t.cache_read_tokens += cache_read;
        t.output_tokens += output;
        t.reasoning_tokens += reasoning;
        t.total_tokens += total;
    }
    t
}

fn token_fields(t: &Totals) -> (u64, u64, u64, u64, u64, u64, u64) {
    (
        t.requests,
        t.input_tokens,
        t.cache_creation_tokens,
        t.cache_read_tokens,
        t.output_tokens,
        t.reasoning_tokens,
        t.total_tokens,
    )
}

#[test]
fn scan_default_root_rescan_and_append() {
    let h = Home::new();
    gemini_root(&h, "");
    let env = Env::isolated(h.home.as_str());
    let mut store = Store::open(&h.home.join("scopeon.db")).unwrap();

    let s = run(&mut store, &env);
    let p = &s.providers[0];
    assert_eq!(p.roots[0].path, h.home.join(".gemini"));
    assert!(p.roots[0].exists);
    // worked, migrated .json + .jsonl, subagent, re-appended, truncated legacy.
    assert_eq!(p.files, 6);
    assert_eq!(p.new_records, 7);
    assert_eq!(p.skipped.get(SkipReason::InvalidJson), 1);
    assert_eq!(p.skipped.total(), 1);
    assert_eq!(
        p.skipped_examples[0].path,
        h.home.join(".gemini").join(LEGACY)
    );
    assert!(p.problems.is_empty());
    let first = totals(&store);
    assert_eq!(token_fields(&first), token_fields(&expected_first()));
    assert_eq!(token_fields(&first), (7, 18417, 0, 42920, 1420, 305, 62757));

    // Projects from .project_root and projects.json; subagent usage under its parent.
    assert_eq!(
        by(&store, GroupKey::Project),
        [
            (
                Some("/home/dev/acme-api".into()),
                5,
                15876 + 16091 + 4360 + 4790 + 2555
            ),
            (Some("/home/dev/web".into()), 2, 9210 + 9875),
        ]
    );
    assert_eq!(
        by(&store, GroupKey::Session),
        [
            (
                Some("2a3b4c5d-6e7f-4081-9293-a4b5c6d7e8f9".into()),
                2,
                9210 + 9875
            ),
            (Some(MAIN_SESSION.into()), 3, 15876 + 16091 + 2555),
            (
                Some("5e6f7081-92a3-4b4c-85d6-e7f8091a2b3c".into()),
                2,
                4360 + 4790
            ),
        ]
    );

    // A second scan finds nothing new and opens nothing.
    let s = run(&mut store, &env);
    assert_eq!(s.providers[0].new_records, 0);
    assert_eq!(s.providers[0].files_unchanged, 6);
    assert_eq!(token_fields(&totals(&store)), token_fields(&first));

    // Appending resumes from the checkpoint with the session in the parser state; the
    // truncated legacy file, now complete, is read again whole.
    let appended = concat!(
        r#"{"id":"e0c1a2b3-0000-4000-8000-000000000004","timestamp":"2026-05-04T08:03:00.000Z","type":"user","content":[{"text":"<PROMPT>"}]}"#,
        "\n",
        r#"{"id":"e0c1a2b3-0000-4000-8000-000000000005","timestamp":"2026-05-04T08:03:09.000Z","type":"gemini","content":[],"thoughts":[],"tokens":null,"model":"gemini-2.5-pro"}"#,
        "\n",
        r#"{"$set":{"lastUpdated":"2026-05-04T08:03:09.001Z"}}"#,
        "\n",
        r#"{"id":"e0c1a2b3-0000-4000-8000-000000000005","timestamp":"2026-05-04T08:03:09.000Z","type":"gemini","content":[],"thoughts":[],"tokens":{"input":2000,"output":10,"cached":1500,"thoughts":5,"tool":0,"total":2015},"model":"gemini-2.5-pro"}"#,
        "\n",
    );
    h.append(&format!(".gemini/{WORKED}"), appended.as_bytes());
    h.write(
        &format!(".gemini/{LEGACY}"),
        &fixture("legacy_worked_example.json"),
    );
    let s = run(&mut store, &env);
    let p = &s.providers[0];
    assert_eq!(p.files_read, 2);
    assert_eq!(p.new_records, 2);
    assert_eq!(p.skipped.total(), 0);
    let legacy_size = fixture("legacy_worked_example.json").len() as u64;
    assert_eq!(p.bytes_read, appended.len() as u64 + legacy_size);
    let after = totals(&store);
    let added = sum(&[
        // …0005: input 2000 − cached 1500, output 10 + thoughts 5.
        (500, 1500, 15, 5, 2015),
        // Legacy m2.
        (8200, 0, 1740, 1100, 9940),
    ]);
    assert_eq!(after.requests, first.requests + added.requests);
    assert_eq!(after.input_tokens, first.input_tokens + added.input_tokens);
    assert_eq!(
        after.cache_read_tokens,
        first.cache_read_tokens + added.cache_read_tokens
    );
    assert_eq!(
        after.output_tokens,
        first.output_tokens + added.output_tokens
    );
    assert_eq!(
        after.reasoning_tokens,
        first.reasoning_tokens + added.reasoning_tokens
    );
    assert_eq!(after.total_tokens, first.total_tokens + added.total_tokens);
    // The appended message is keyed by the session of the file's first line.
    let sessions = by(&store, GroupKey::Session);
    assert!(sessions.contains(&(Some(MAIN_SESSION.into()), 4, 15876 + 16091 + 2555 + 2015)));
    assert!(
        sessions
            .iter()
            .all(|(s, _, _)| !s.as_deref().unwrap().starts_with("session-"))
    );
    // The legacy hash directory has no project.
    assert!(by(&store, GroupKey::Project).contains(&(None, 1, 9940)));

    // A re-appended copy with new counters replaces the stored row instead of adding one.
    h.append(
        &format!(".gemini/{WORKED}"),
        br#"{"id":"e0c1a2b3-0000-4000-8000-000000000005","timestamp":"2026-05-04T08:03:09.000Z","type":"gemini","content":[],"thoughts":[],"tokens":{"input":2000,"output":20,"cached":1500,"thoughts":5,"tool":0,"total":2025},"model":"gemini-2.5-pro"}
{"$rewindTo":"e0c1a2b3-0000-4000-8000-000000000004"}
"#,
    );
    let s = run(&mut store, &env);
    assert_eq!(s.providers[0].new_records, 0);
    let replaced = totals(&store);
    assert_eq!(replaced.requests, after.requests);
    assert_eq!(replaced.output_tokens, after.output_tokens + 10);
    assert_eq!(replaced.total_tokens, after.total_tokens + 10);

    // A rebuild reads everything again, in path order, to the same totals.
    let s = scan(&mut store, &env, &options().rebuild(true), &mut |_| {}).unwrap();
    assert_eq!(s.providers[0].files_read, 6);
    assert_eq!(token_fields(&totals(&store)), token_fields(&replaced));
}

#[test]
fn scan_gemini_cli_home_replaces_the_default() {
    let h = Home::new();
    // The default root holds recordings that must not be read while the variable is set.
    gemini_root(&h, "");
    gemini_root(&h, "alt/");
    h.write(
        "second/.gemini/tmp/acme-api/chats/session-2026-05-16T06-00-92a3b4c5.jsonl",
        &fixture("bom_crlf_invalid_utf8.jsonl"),
    );
    let alt = h.home.join("alt");
    let env = Env::isolated(h.home.as_str())
        .with_vars(&[("GEMINI_CLI_HOME", &format!("{alt},~/second"))]);
    let mut store = Store::open(&h.home.join("scopeon.db")).unwrap();
    let s = run(&mut store, &env);
    let p = &s.providers[0];
    let roots: Vec<&Utf8Path> = p.roots.iter().map(|r| r.path.as_path()).collect();
    assert_eq!(roots, [alt.join(".gemini"), h.home.join("second/.gemini")]);
    assert_eq!(p.files, 7);
    // The alternate root's seven requests, plus e1, e2 and e3 of the second root (e2's
    // invalid UTF-8 byte sits in content, which is skipped unread).
    let mut expected = expected_first();
    let second = sum(&[
        (640, 0, 64, 0, 704),
        (700, 0, 70, 0, 770),
        (710, 0, 71, 0, 781),
    ]);
    expected.requests += second.requests;
    expected.input_tokens += second.input_tokens;
    expected.output_tokens += second.output_tokens;
    expected.total_tokens += second.total_tokens;
    assert_eq!(token_fields(&totals(&store)), token_fields(&expected));
    // No project resolves for the second root: it has neither marker nor registry.
    assert!(by(&store, GroupKey::Project).contains(&(None, 3, 704 + 770 + 781)));
}

// --------------------------------------------------------------------------------- privacy

const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

/// A recording with the marker in every text field Gemini CLI writes.
fn marked_session() -> String {
    let m = MARKER;
    let meta = format!(
        r#"{{"sessionId":"c5d6e7f8-0912-4a3b-8c4d-5e6f70819203","projectHash":"aa{m}","startTime":"2026-05-18T10:00:00.000Z","lastUpdated":"2026-05-18T10:00:00.000Z","kind":"main","directories":["/home/dev/{m}"],"summary":"{m}"}}"#
    );
    let user = format!(
        r#"{{"id":"p1","timestamp":"2026-05-18T10:00:01.000Z","type":"user","content":[{{"text":"{m} please read /home/dev/{m}/secret.rs"}}],"displayContent":[{{"text":"{m}"}}]}}"#
    );
    let gemini = format!(
        r#"{{"id":"p2","timestamp":"2026-05-18T10:00:09.000Z","type":"gemini","content":[{{"text":"{m}"}}],"displayContent":"{m}","thoughts":[{{"subject":"{m}","description":"{m}","timestamp":"2026-05-18T10:00:05.000Z"}}],"toolCalls":[{{"id":"read_file-{m}","name":"read_file","args":{{"absolute_path":"/home/dev/{m}/secret.rs","{m}":"{m}"}},"result":[{{"functionResponse":{{"id":"read_file-{m}","name":"read_file","response":{{"output":"fn {m}() {{}}"}}}}}}],"status":"success","timestamp":"2026-05-18T10:00:08.000Z","agentId":"{m}","displayName":"{m}","description":"{m}","resultDisplay":{{"fileDiff":"{m}","fileName":"{m}.rs"}},"renderOutputAsMarkdown":true}}],"tokens":{{"input":5000,"output":100,"cached":1000,"thoughts":20,"tool":0,"total":5120}},"model":"gemini-2.5-pro"}}"#
    );
    let info = format!(
        r#"{{"id":"p3","timestamp":"2026-05-18T10:00:10.000Z","type":"info","content":"{m}"}}
{{"id":"p4","timestamp":"2026-05-18T10:00:11.000Z","type":"error","content":"{m}"}}
{{"id":"p5","timestamp":"2026-05-18T10:00:12.000Z","type":"warning","content":[{{"text":"{m}"}}]}}"#
    );
    let set = format!(
        r#"{{"$set":{{"summary":"{m}","memoryScratchpad":"{m}","directories":["{m}"],"activeExtensionName":"{m}","lastUpdated":"2026-05-18T10:00:13.000Z"}}}}
{{"$set":{{"messages":[{}, {}]}}}}"#,
        user, gemini
    );
    let broken = format!(r#"{{"id":"p6","type":"gemini","content":"{m}","tokens":{{"input":1"#);
    let not_object = format!(r#"["{m}"]"#);
    let rewind = format!(r#"{{"$rewindTo":"p1","note":"{m}"}}"#);
    [meta, user, gemini, info, set, broken, not_object, rewind].join("\n") + "\n"
}

fn marked_legacy() -> String {
    let m = MARKER;
    format!(
        r#"{{
  "sessionId": "d6e7f809-1a2b-4c3d-9e4f-506172839405",
  "projectHash": "{m}",
  "startTime": "2025-10-01T10:00:00.000Z",
  "lastUpdated": "2025-10-01T10:05:00.000Z",
  "summary": "{m}",
  "directories": ["{m}"],
  "messages": [
    {{"id": "q1", "timestamp": "2025-10-01T10:00:01.000Z", "type": "user", "content": "{m}"}},
    {{"id": "q2", "timestamp": "2025-10-01T10:00:09.000Z", "type": "gemini", "content": "{m}",
      "thoughts": [{{"subject": "{m}", "description": "{m}", "timestamp": "2025-10-01T10:00:05.000Z"}}],
      "toolCalls": [{{"id": "t", "name": "{m}", "args": {{"path": "/{m}"}}, "result": "{m}", "status": "success", "timestamp": "2025-10-01T10:00:08.000Z", "resultDisplay": "{m}"}}],
      "tokens": {{"input": 700, "output": 70, "cached": 0, "thoughts": 7, "tool": 0, "total": 777}},
      "model": "gemini-2.5-flash"}}
  ]
}}"#
    )
}

fn assert_no_marker(what: &str, bytes: &[u8]) {
    assert!(
        !bytes.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()),
        "the privacy marker leaked into {what}"
    );
}

fn db_files(db: &Utf8Path) -> Vec<(String, Vec<u8>)> {
    [db.to_string(), format!("{db}-wal")]
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

#[test]
fn privacy_marker_never_stored_or_reported() {
    let h = Home::new();
    let m = MARKER;
    h.write(".gemini/tmp/acme-api/.project_root", b"/home/dev/acme-api");
    h.write(
        ".gemini/tmp/acme-api/chats/session-2026-05-18T10-00-c5d6e7f8.jsonl",
        marked_session().as_bytes(),
    );
    h.write(
        ".gemini/tmp/acme-api/chats/session-2025-10-01T10-00-d6e7f809.json",
        marked_legacy().as_bytes(),
    );
    // A truncated legacy file with the marker: a counted skip, never its content.
    let legacy = marked_legacy();
    h.write(
        ".gemini/tmp/acme-api/chats/session-2025-10-02T10-00-e7f8091a.json",
        &legacy.as_bytes()[..legacy.len() / 2],
    );
    // Prompts and checkpoints Gemini CLI keeps beside the recordings.
    h.write(
        ".gemini/tmp/acme-api/logs.json",
        format!(r#"[{{"sessionId":"s","messageId":0,"timestamp":"2026-05-18T10:00:01.000Z","type":"user","message":"{m}"}}]"#).as_bytes(),
    );
    h.write(
        ".gemini/tmp/acme-api/checkpoint-{m}.json",
        format!(r#"[{{"role":"user","parts":[{{"text":"{m}"}}]}}]"#).as_bytes(),
    );
    h.write(
        ".gemini/projects.json",
        format!(r#"{{"projects":{{"/home/dev/{m}":"other","/home/dev/acme-api":"acme-api"}}}}"#)
            .as_bytes(),
    );
    let env = Env::isolated(h.home.as_str());
    let db = h.home.join("scopeon.db");
    let mut store = Store::open(&db).unwrap();
    let summary = run(&mut store, &env);
    let p = &summary.providers[0];
    // Both recordings were read: p2 (twice, as a line and in the $set), q2; three skips.
    assert_eq!(p.new_records, 2);
    assert_eq!(p.skipped.get(SkipReason::InvalidJson), 2);
    assert_eq!(p.skipped.get(SkipReason::NotAnObject), 1);
    assert_eq!(p.skipped_examples.len(), 3);

    let q = ReportQuery::new().group_by(GroupKey::ALL.to_vec());
    let report = store.report(&q).unwrap();
    assert_eq!(report.totals.requests, 2);
    assert_eq!(report.totals.total_tokens, 5120 + 777);
    let scan_json = serde_json::to_value(&summary).unwrap();
    let doc = report.to_document(
        &q,
        scopeon_core::store::run_metadata(
            jiff::Timestamp::UNIX_EPOCH,
            &store.pricing().fingerprint(),
            false,
            Some(scan_json.clone()),
        ),
    );
    assert_no_marker("the report document", doc.to_string().as_bytes());
    assert_no_marker("the scan summary", format!("{summary:?}").as_bytes());
    assert_no_marker("the scan summary JSON", scan_json.to_string().as_bytes());
    assert_no_marker(
        "the skipped-line examples",
        format!("{:?}", p.skipped_examples).as_bytes(),
    );
    let files = db_files(&db);
    // The check reads real bytes: the stored session id is found in them.
    let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    assert!(
        all.windows(36)
            .any(|w| w == b"c5d6e7f8-0912-4a3b-8c4d-5e6f70819203")
    );
    for (path, bytes) in files {
        assert_no_marker(&path, &bytes);
    }
    drop(store);
    for (path, bytes) in db_files(&db) {
        assert_no_marker(&path, &bytes);
    }
    // The marker is there to be found: the check itself can fail.
    assert!(marked_session().contains(MARKER));
}

// ------------------------------------------------------------------------------- proptests

const PROP_REL: &str = "tmp/acme-api/chats/session-2026-05-04T08-00-5d7e9f10.jsonl";

/// A realistic line; `id` picks from a small pool so copies of one message recur, and
/// `thoughts` is zero or not as asked.
fn line_strategy(thoughts: bool) -> impl Strategy<Value = String> {
    let ids = 0u8..4;
    let counts = (
        0u64..20_000,
        0u64..2_000,
        0u64..20_000,
        0u64..500,
        0u64..300,
    );
    (0u8..14, ids, counts, any::<bool>()).prop_map(move |(kind, id, (i, o, c, t, tool), ok)| {
        let th = if thoughts { t } else { 0 };
        let total = if ok { i + o + th + tool } else { 0 };
        let tokens = format!(
            r#"{{"input":{i},"output":{o},"cached":{},"thoughts":{th},"tool":{tool},"total":{total}}}"#,
            c.min(i)
        );
        let gemini = |tokens: &str| {
            format!(
                r#"{{"id":"m{id}","timestamp":"2026-05-04T08:0{id}:00.000Z","type":"gemini","content":[{{"text":"<R>"}}],"thoughts":[],"tokens":{tokens},"model":"gemini-2.5-pro"}}"#
            )
        };
        match kind {
            0 => format!(
                r#"{{"sessionId":"s{id}","projectHash":"h","startTime":"2026-05-04T08:00:00.000Z","kind":"{}"}}"#,
                if ok { "main" } else { "subagent" }
            ),
            1 => format!(
                r#"{{"id":"u{id}","timestamp":"2026-05-04T08:00:01.000Z","type":"user","content":[{{"text":"<P>"}}]}}"#
            ),
            2 => gemini("null"),
            3..=5 => gemini(&tokens),
            6 => r#"{"$set":{"lastUpdated":"2026-05-04T08:00:02.000Z"}}"#.to_owned(),
            7 => format!(
                r#"{{"$set":{{"messages":[{},{{"id":"u1","type":"user","content":"<P>"}}]}}}}"#,
                gemini(&tokens)
            ),
            8 => format!(r#"{{"$rewindTo":"m{id}"}}"#),
            9 => r#"{"id":"i","timestamp":"2026-05-04T08:00:03.000Z","type":"info","content":"<I>"}"#.to_owned(),
            10 => String::new(),
            11 => gemini(&tokens)[..40].to_owned(),
            12 => "[1,2,3]".to_owned(),
            _ => format!(r#"{{"$set":{{"sessionId":"late{id}","kind":"subagent"}}}}"#),
        }
    })
}

/// A file of realistic lines, optionally with CRLF ends and an unterminated tail.
fn file_strategy(thoughts: bool) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::collection::vec(line_strategy(thoughts), 0..24),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf, tail)| {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut data = String::new();
            for l in &lines {
                data.push_str(l);
                data.push_str(end);
            }
            if tail {
                data.push_str(r#"{"id":"tail","type":"gemini","tokens":{"input":5"#);
            }
            data.into_bytes()
        })
}

/// Resuming after `stop` frames equals one pass, without `fuzz_checks::check_record` (which
/// still asserts that reasoning is zero, as only Claude Code's records were checked by it).
fn resume_equals_whole(data: &[u8], cap: usize, stop: usize) -> Result<(), TestCaseError> {
    let ctx = SourceContext::new(PROP_REL);
    let new = |state: Option<&[u8]>| GeminiCli.parser(&ctx, state).unwrap();
    let whole = fuzz_checks::read_file(data, 0, cap, &mut *new(None), usize::MAX);
    for r in &whole.records {
        prop_assert!(r.tokens.reasoning <= r.tokens.output);
        prop_assert!(!r.tokens.is_zero());
    }
    let k = stop % (whole.outcomes.len() + 1);
    let mut first_parser = new(None);
    let first = fuzz_checks::read_file(data, 0, cap, &mut *first_parser, k);
    let state = first_parser.state();
    let at = usize::try_from(first.offset).unwrap();
    let second = fuzz_checks::read_file(
        &data[at..],
        first.offset,
        cap,
        &mut *new(Some(&state)),
        usize::MAX,
    );
    let mut records = first.records;
    records.extend(second.records);
    let mut outcomes = first.outcomes;
    outcomes.extend(second.outcomes);
    prop_assert_eq!(records, whole.records);
    prop_assert_eq!(outcomes, whole.outcomes);
    prop_assert_eq!(second.offset, whole.offset);
    Ok(())
}

/// Every record of `data` read through `reader`, parsed as a scan does.
fn records_via<R: std::io::Read>(mut reader: LineReader<R>) -> (Vec<UsageRecord>, u64) {
    let mut parser = GeminiCli
        .parser(&SourceContext::new(PROP_REL), None)
        .unwrap();
    let mut records = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        if let Frame::Line { bytes, .. } = frame
            && !bytes.iter().all(u8::is_ascii_whitespace)
        {
            parser.parse_line(bytes, &mut records);
        }
    }
    let offset = reader.offset();
    (records, offset)
}

proptest! {
    /// Through the shared fuzz check (files without thoughts: see `resume_equals_whole`).
    #[test]
    fn resume_equals_uninterrupted(
        data in file_strategy(false),
        cap in prop::sample::select(vec![64usize, 1024, DEFAULT_MAX_LINE]),
        stop in 0usize..32,
    ) {
        fuzz_checks::check_provider_resume(&GeminiCli, PROP_REL, &data, cap, stop);
    }

    /// The same with thoughts, checked here.
    #[test]
    fn resume_equals_uninterrupted_with_thoughts(
        data in file_strategy(true),
        cap in prop::sample::select(vec![64usize, 1024, DEFAULT_MAX_LINE]),
        stop in 0usize..32,
    ) {
        resume_equals_whole(&data, cap, stop)?;
    }

    /// Reads split anywhere give the records of one whole read.
    #[test]
    fn chunked_equals_whole(
        data in file_strategy(true),
        sizes in proptest::collection::vec(0usize..200, 0..8),
    ) {
        let whole = records_via(LineReader::new(data.as_slice(), 0, DEFAULT_MAX_LINE));
        let chunked = records_via(LineReader::new(
            ChunkedReader::new(&data, sizes),
            0,
            DEFAULT_MAX_LINE,
        ));
        prop_assert_eq!(chunked, whole);
    }
}
