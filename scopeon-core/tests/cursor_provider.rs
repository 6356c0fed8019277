//! The Cursor provider: fixture snapshots, the worked examples of docs/providers/cursor.md, scans
//! of a home laid out like Cursor's (Linux and macOS paths, `$XDG_CONFIG_HOME`), incremental reads
//! by rowid, privacy, and a property test that incremental reads equal one full read.
//!
//! Each fixture (`tests/fixtures/cursor/*.jsonl`) describes the rows of one `state.vscdb`: a
//! first `{"comment": …}` line, then one row per line, `{"key": K, "value": V}` (V serialized
//! into a BLOB), with `"raw"` (text bytes) or `"hex"` (bytes) instead of a value, `"null":
//! true` for a NULL value, `"as": "text"` to store the value as TEXT, and `"table"` for a table
//! other than `cursorDiskKV`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use rusqlite::Connection;
use serde::Serialize;

use scopeon_core::env::Env;
use scopeon_core::provider::cursor::{
    BUBBLE_PREFIX, COMPOSER_PREFIX, Cursor, WINDOW, high_water_mark,
};
use scopeon_core::provider::{Provider, SourceContext};
use scopeon_core::record::{ProviderId, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{GroupKey, ReportQuery, Store, Totals};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
CREATE TABLE IF NOT EXISTS cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);";

const COMPOSER: &str = "2b7c1d9e-0000-4000-8000-0000000000c1";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Writes the rows of a fixture into `db`.
fn load_fixture(db: &Connection, fixture: &str) {
    db.execute_batch(SCHEMA).unwrap();
    for line in fixture.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        if row.get("comment").is_some() {
            continue;
        }
        let key = row["key"].as_str().unwrap();
        let value: Option<Vec<u8>> = if row["null"] == true {
            None
        } else if let Some(raw) = row["raw"].as_str() {
            Some(raw.as_bytes().to_vec())
        } else if let Some(h) = row["hex"].as_str() {
            Some(hex(h))
        } else {
            Some(serde_json::to_vec(&row["value"]).unwrap())
        };
        let table = row["table"].as_str().unwrap_or("cursorDiskKV");
        let sql = if row["as"] == "text" {
            format!("INSERT INTO {table} (key, value) VALUES (?1, CAST(?2 AS TEXT))")
        } else {
            format!("INSERT INTO {table} (key, value) VALUES (?1, ?2)")
        };
        db.execute(&sql, (key, value)).unwrap();
    }
}

#[derive(Debug, Serialize)]
struct Read {
    records: Vec<UsageRecord>,
    skipped: Vec<(u64, String)>,
    high_water_mark: Option<i64>,
}

fn read_db(db: &Connection, state: Option<&[u8]>) -> (Read, Vec<u8>) {
    let mut records = Vec::new();
    let read = Cursor
        .read_database(&SourceContext::new("state.vscdb"), db, state, &mut records)
        .unwrap();
    (
        Read {
            records,
            skipped: read
                .skipped
                .iter()
                .map(|(at, r)| (*at, r.as_str().to_owned()))
                .collect(),
            high_water_mark: high_water_mark(&read.state),
        },
        read.state,
    )
}

fn read_fixture(name: &str) -> Read {
    let path = Utf8Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cursor")
        .join(name);
    let db = Connection::open_in_memory().unwrap();
    load_fixture(&db, &std::fs::read_to_string(path).unwrap());
    read_db(&db, None).0
}

#[test]
fn cursor_fixtures() {
    insta::glob!("fixtures/cursor/*.jsonl", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let read = read_fixture(name);
        for r in &read.records {
            assert_eq!(r.provider, ProviderId::Cursor);
            assert!(
                r.flags.estimated,
                "{name}: every Cursor record is an estimate"
            );
        }
        insta::assert_yaml_snapshot!(read);
    });
}

/// docs/providers/cursor.md, worked example: one partial event (in 48210, out 1377, model
/// unknown/Auto); the user bubble contributes nothing.
#[test]
fn worked_example() {
    let read = read_fixture("worked_example.jsonl");
    assert!(read.skipped.is_empty());
    assert_eq!(read.records.len(), 1);
    let r = &read.records[0];
    assert_eq!(r.tokens.input, 48210);
    assert_eq!(r.tokens.output, 1377);
    assert_eq!(r.tokens.cache_creation, 0);
    assert_eq!(r.tokens.cache_read, 0);
    assert_eq!(r.tokens.reasoning, 0);
    assert_eq!(r.tokens.total(), 49587);
    assert_eq!(r.model, None);
    assert_eq!(r.project, None);
    assert_eq!(r.session, COMPOSER);
    assert_eq!(
        r.dedup_key,
        "bubbleId:2b7c1d9e-0000-4000-8000-0000000000c1:b1000000-0000-4000-8000-000000000002"
    );
    // 2025-10-30T10:28:05.120Z
    assert_eq!(r.timestamp_ms, 1_761_820_085_120);
    assert!(r.flags.estimated);
    assert_eq!(r.reported_cost_pusd, None);
    assert_eq!(r.requests, 1);
    assert_eq!(read.high_water_mark, Some(3));
}

/// Its variant: `tokenCount` zero everywhere yields 0 events.
#[test]
fn worked_example_zeros() {
    let read = read_fixture("worked_example_zeros.jsonl");
    assert!(read.records.is_empty());
    assert!(read.skipped.is_empty());
}

/// The composer's `createdAt` places bubbles that have none.
#[test]
fn composer_time_fallback() {
    let read = read_fixture("composer_created_at_fallback.jsonl");
    let times: Vec<i64> = read.records.iter().map(|r| r.timestamp_ms).collect();
    // Composer 1761820000000; 2025-10-30T10:30:00+02:00 is 08:30:00Z = 1761813000000.
    assert_eq!(
        times,
        vec![1_761_820_000_000, 1_761_813_000_000, 1_761_820_000_000]
    );
    assert_eq!(read.skipped, vec![(4, "missing_field".to_owned())]);
}

// ------------------------------------------------------------------------ scans of a home

fn utf8(p: &std::path::Path) -> Utf8PathBuf {
    Utf8PathBuf::from_path_buf(p.to_owned()).unwrap()
}

fn options() -> ScanOptions {
    ScanOptions::new().only([ProviderId::Cursor])
}

fn run(store: &mut Store, env: &Env) -> ScanSummary {
    scan(store, env, &options(), &mut |_| {}).unwrap()
}

fn totals(store: &Store) -> Totals {
    store
        .report(&ReportQuery::new().group_by(vec![GroupKey::Provider]))
        .unwrap()
        .totals
}

/// Moves a file's modification time, so a change is seen whatever the clock's granularity.
fn bump_mtime(path: &Utf8Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(secs))
        .unwrap();
}

fn bubble(n: u32) -> String {
    format!("{BUBBLE_PREFIX}{COMPOSER}:b1000000-0000-4000-8000-{n:012}")
}

fn assistant(input: u64, output: u64, model: &str) -> String {
    format!(
        r#"{{"_v":3,"type":2,"createdAt":"2025-11-08T14:00:09.500Z","text":"<RESPONSE>","modelInfo":{{"modelName":"{model}"}},"tokenCount":{{"inputTokens":{input},"outputTokens":{output}}}}}"#
    )
}

fn put(db: &Connection, key: &str, value: &str) {
    db.execute(
        "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
        (key, value.as_bytes()),
    )
    .unwrap();
}

/// A `state.vscdb` at `dir` with a composer, a user bubble and two assistant replies.
fn cursor_db(dir: &Utf8Path) -> (Utf8PathBuf, Connection) {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("state.vscdb");
    let db = Connection::open(&path).unwrap();
    db.execute_batch(SCHEMA).unwrap();
    db.execute(
        "INSERT INTO ItemTable (key, value) VALUES ('cursorAuth/accessToken', 'token')",
        [],
    )
    .unwrap();
    put(
        &db,
        &format!("{COMPOSER_PREFIX}{COMPOSER}"),
        r#"{"composerId":"2b7c1d9e-0000-4000-8000-0000000000c1","createdAt":1761820000000,"name":"<TITLE>"}"#,
    );
    put(
        &db,
        &bubble(1),
        r#"{"type":1,"text":"<PROMPT>","tokenCount":{"inputTokens":0,"outputTokens":0}}"#,
    );
    put(&db, &bubble(2), &assistant(48210, 1377, "default"));
    put(&db, &bubble(3), &assistant(1000, 100, "claude-4.5-sonnet"));
    // Other rows of Cursor's (checkpoints, diffs), enough to put the replies above below the
    // window an incremental read takes again.
    for i in 0..WINDOW {
        put(
            &db,
            &format!("checkpointId:{COMPOSER}:{i}"),
            r#"{"files":[{"content":"<CODE>"}]}"#,
        );
    }
    (path, db)
}

#[test]
fn scan_default_location_resumes_by_rowid() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let (path, db) = cursor_db(&home.join(".config/Cursor/User/globalStorage"));
    let env = Env::isolated(home.as_str());
    let mut store = Store::open(&utf8(tmp.path()).join("scopeon.db")).unwrap();

    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!(ps.provider, ProviderId::Cursor);
    assert_eq!((ps.files, ps.files_read, ps.new_records), (1, 1, 2));
    assert!(ps.problems.is_empty(), "{:?}", ps.problems);
    let t = totals(&store);
    assert_eq!(t.requests, 2);
    assert_eq!(t.input_tokens, 48210 + 1000);
    assert_eq!(t.output_tokens, 1377 + 100);
    assert_eq!(t.cache_read_tokens + t.cache_creation_tokens, 0);
    assert_eq!(t.total_tokens, 48210 + 1377 + 1000 + 100);

    // Nothing changed: the database is not even opened.
    let again = run(&mut store, &env);
    assert_eq!(again.providers[0].new_records, 0);
    assert_eq!(again.providers[0].files_unchanged, 1);
    assert_eq!(totals(&store), t);

    // A new reply, and a zero bubble whose counts arrive later (rewritten through REPLACE).
    put(&db, &bubble(4), &assistant(0, 0, "claude-4.5-sonnet"));
    bump_mtime(&path, 10);
    let s = run(&mut store, &env);
    assert_eq!(
        s.providers[0].records_read, 0,
        "only rows above the mark are read"
    );
    assert_eq!(totals(&store), t);
    put(&db, &bubble(4), &assistant(700, 70, "claude-4.5-sonnet"));
    put(&db, &bubble(5), &assistant(300, 30, "gpt-5"));
    bump_mtime(&path, 20);
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!((ps.files_read, ps.records_read, ps.new_records), (1, 2, 2));
    let t2 = totals(&store);
    assert_eq!(t2.requests, 4);
    assert_eq!(t2.input_tokens, t.input_tokens + 700 + 300);
    assert_eq!(t2.output_tokens, t.output_tokens + 70 + 30);

    // The newest row is deleted and its rowid handed out again, to another reply: the window
    // below the mark is read again, so the new reply counts and the old ones not again.
    db.execute("DELETE FROM cursorDiskKV WHERE key = ?1", [bubble(5)])
        .unwrap();
    put(&db, &bubble(6), &assistant(5, 5, "gpt-5"));
    bump_mtime(&path, 30);
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!((ps.records_read, ps.new_records), (2, 1), "the window only");
    let t3 = totals(&store);
    assert_eq!(t3.requests, 5);
    assert_eq!(t3.total_tokens, t2.total_tokens + 10);

    // Cursor rebuilt its database smaller: the largest rowid is below the mark, and
    // everything is read again, nothing counted twice.
    drop(db);
    std::fs::remove_file(&path).unwrap();
    let (path, db) = cursor_db(&home.join(".config/Cursor/User/globalStorage"));
    db.execute(
        "DELETE FROM cursorDiskKV WHERE key GLOB 'checkpointId:*'",
        [],
    )
    .unwrap();
    put(&db, &bubble(7), &assistant(2, 2, "gpt-5"));
    bump_mtime(&path, 40);
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!((ps.records_read, ps.new_records), (3, 1), "a full read");
    assert_eq!(totals(&store).total_tokens, t3.total_tokens + 4);
}

#[test]
fn scan_finds_macos_and_xdg_locations() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let xdg = utf8(tmp.path()).join("xdg");
    let (_mac, _db) =
        cursor_db(&home.join("Library/Application Support/Cursor/User/globalStorage"));
    // With $XDG_CONFIG_HOME set, ~/.config is not Cursor's directory.
    let (_linux, db) = cursor_db(&xdg.join("Cursor/User/globalStorage"));
    put(&db, &bubble(9), &assistant(1, 1, "gpt-5"));
    let (_ignored, _db2) = cursor_db(&home.join(".config/Cursor/User/globalStorage"));
    let env = Env::isolated(home.as_str()).with_vars(&[("XDG_CONFIG_HOME", xdg.as_str())]);
    let mut store = Store::open_in_memory().unwrap();
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    let roots: Vec<(&str, bool)> = ps
        .roots
        .iter()
        .map(|r| (r.path.as_str(), r.exists))
        .collect();
    assert_eq!(
        roots,
        vec![
            (xdg.join("Cursor/User/globalStorage").as_str(), true),
            (
                home.join("Library/Application Support/Cursor/User/globalStorage")
                    .as_str(),
                true
            ),
        ]
    );
    assert_eq!(ps.files, 2);
    assert!(ps.problems.is_empty(), "{:?}", ps.problems);
    // The two databases share their bubble keys: the same requests, counted once.
    let t = totals(&store);
    assert_eq!(t.requests, 3);
    assert_eq!(t.total_tokens, 48210 + 1377 + 1000 + 100 + 2);
}

/// Cursor keeps its database in WAL mode. The immutable open reads the main file only: rows
/// still in the write-ahead log are read once Cursor checkpoints them.
#[test]
fn wal_rows_are_read_after_a_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let dir = home.join(".config/Cursor/User/globalStorage");
    let (path, db) = cursor_db(&dir);
    let mode: String = db
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let env = Env::isolated(home.as_str());
    let mut store = Store::open_in_memory().unwrap();
    let s = run(&mut store, &env);
    assert!(
        s.providers[0].problems.is_empty(),
        "{:?}",
        s.providers[0].problems
    );
    assert_eq!(totals(&store).requests, 2);

    put(&db, &bubble(7), &assistant(40, 4, "gpt-5"));
    assert!(Utf8PathBuf::from(format!("{path}-wal")).exists());
    let s = run(&mut store, &env);
    // The immutable open ignores the write-ahead log, so its growth alone reopens nothing.
    assert_eq!(
        s.providers[0].files_read, 0,
        "only the write-ahead log changed"
    );
    assert_eq!(totals(&store).requests, 2);

    db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    bump_mtime(&path, 10);
    let s = run(&mut store, &env);
    assert_eq!(s.providers[0].new_records, 1);
    assert_eq!(totals(&store).total_tokens, 48210 + 1377 + 1000 + 100 + 44);
}

#[test]
fn a_database_without_the_table_is_a_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let dir = home.join(".config/Cursor/User/globalStorage");
    std::fs::create_dir_all(&dir).unwrap();
    let db = Connection::open(dir.join("state.vscdb")).unwrap();
    db.execute_batch("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);")
        .unwrap();
    drop(db);
    let env = Env::isolated(home.as_str());
    let mut store = Store::open_in_memory().unwrap();
    let s = run(&mut store, &env);
    let problems = &s.providers[0].problems;
    assert_eq!(problems.len(), 1);
    assert!(problems[0].problem.contains("cursorDiskKV"), "{problems:?}");
    assert_eq!(totals(&store).requests, 0);
}

// ------------------------------------------------------------------------------- privacy

const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn privacy_marker_never_leaves_the_agent_database() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let dir = home.join(".config/Cursor/User/globalStorage");
    std::fs::create_dir_all(&dir).unwrap();
    let db = Connection::open(dir.join("state.vscdb")).unwrap();
    db.execute_batch(SCHEMA).unwrap();
    let m = MARKER;
    for (key, value) in [
        ("cursorAuth/accessToken", format!("{m}-access")),
        ("cursorAuth/refreshToken", format!("{m}-refresh")),
        ("cursorAuth/cachedEmail", format!("{m}@example.com")),
        (
            "aiService.prompts",
            format!(r#"[{{"text":"{m}","commandType":4}}]"#),
        ),
    ] {
        db.execute(
            "INSERT INTO ItemTable (key, value) VALUES (?1, ?2)",
            (key, value),
        )
        .unwrap();
    }
    let rows = [
        (
            format!("{COMPOSER_PREFIX}{COMPOSER}"),
            format!(
                r#"{{"composerId":"{COMPOSER}","name":"{m} title","createdAt":1761820000000,"latestConversationSummary":{{"summary":{{"summary":"{m}"}}}},"text":"{m}","richText":"{m}","context":{{"fileSelections":[{{"uri":{{"fsPath":"/home/dev/{m}/main.rs"}}}}]}},"fullConversationHeadersOnly":[{{"bubbleId":"b1","type":1}}]}}"#
            ),
        ),
        (
            bubble(1),
            format!(
                r#"{{"type":1,"text":"{m} prompt","richText":"{{\"root\":\"{m}\"}}","context":{{"fileSelections":[{{"uri":{{"fsPath":"/home/dev/{m}.rs"}}}}]}},"tokenCount":{{"inputTokens":0,"outputTokens":0}}}}"#
            ),
        ),
        (
            bubble(2),
            format!(
                r#"{{"type":2,"createdAt":"2025-11-08T14:00:01Z","text":"","toolFormerData":{{"name":"{m}","rawArgs":"{{\"path\":\"{m}\"}}","result":"{m} output","status":"completed"}},"tokenCount":{{"inputTokens":0,"outputTokens":0}}}}"#
            ),
        ),
        (
            bubble(3),
            format!(
                r#"{{"type":2,"text":"{m} answer","richText":"{m}","codeBlocks":[{{"content":"fn {m}() {{}}","uri":{{"fsPath":"/x/{m}.rs"}}}}],"thinking":{{"text":"{m} thoughts"}},"allThinkingBlocks":[{{"thinking":"{m}"}}],"suggestedCodeBlocks":[{{"code":"{m}"}}],"modelInfo":{{"modelName":"claude-4.5-sonnet"}},"tokenCount":{{"inputTokens":1200,"outputTokens":340}}}}"#
            ),
        ),
        // Skipped rows: a truncated value, and usage without a composer time.
        (bubble(4), format!(r#"{{"type":2,"text":"{m} cut off"#)),
        (
            format!("{BUBBLE_PREFIX}no-composer:b5"),
            format!(r#"{{"type":2,"text":"{m}","tokenCount":{{"inputTokens":1}}}}"#),
        ),
        (
            format!("checkpointId:{COMPOSER}:c1"),
            format!(r#"{{"files":[{{"content":"{m}"}}]}}"#),
        ),
        (
            format!("codeBlockDiff:{COMPOSER}:d1"),
            format!(r#"{{"newModelDiffWrtV0":[{{"modified":["{m}"]}}]}}"#),
        ),
    ];
    for (key, value) in &rows {
        put(&db, key, value);
    }
    drop(db);

    let store_path = utf8(tmp.path()).join("out/scopeon.db");
    std::fs::create_dir_all(store_path.parent().unwrap()).unwrap();
    let mut store = Store::open(&store_path).unwrap();
    let env = Env::isolated(home.as_str());
    let summary = run(&mut store, &env);
    let ps = &summary.providers[0];
    assert_eq!(ps.new_records, 1);
    assert_eq!(ps.skipped.total(), 2);
    assert_eq!(ps.skipped_examples.len(), 2);

    let query =
        ReportQuery::new().group_by(vec![GroupKey::Day, GroupKey::Model, GroupKey::Session]);
    let report = store.report(&query).unwrap();
    assert_eq!(report.totals.total_tokens, 1540);
    let doc = report
        .to_document(&query, serde_json::Map::new())
        .to_string();
    let summary_text = format!("{summary:?}");
    let examples = serde_json::to_string(&ps.skipped_examples).unwrap();
    drop(store);

    let mut db_bytes = std::fs::read(&store_path).unwrap();
    if let Ok(wal) = std::fs::read(format!("{store_path}-wal")) {
        db_bytes.extend(wal);
    }
    assert!(
        contains(&db_bytes, COMPOSER),
        "the store holds the session id"
    );
    for (what, bytes) in [
        ("store database", db_bytes.as_slice()),
        ("scan summary", summary_text.as_bytes()),
        ("report document", doc.as_bytes()),
        ("skipped examples", examples.as_bytes()),
    ] {
        assert!(
            !contains(bytes, MARKER),
            "the marker leaked into the {what}"
        );
    }
}

// ------------------------------------------------------------------------------ proptest

#[derive(Debug, Clone)]
enum Op {
    /// Writes bubble `n` (REPLACE when it exists): type, input, output, whether it has a time.
    Put(u32, u8, u64, u64, bool),
    /// Deletes bubble `n`.
    Delete(u32),
    /// Deletes the newest row when it is a bubble, so its rowid is handed out again.
    DeleteNewest,
    /// Writes this many rows that are not bubbles (pushing earlier rows below the window).
    Filler(u32),
    /// Deletes every row above this quarter of the largest rowid but the composer (a deleted
    /// chat), so rowids far below the mark are handed out again.
    DeleteTail(u8),
    /// Reads from the last state.
    Read,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u32..6, prop_oneof![Just(1u8), Just(2u8)], 0u64..3, 0u64..3, any::<bool>())
            .prop_map(|(n, t, i, o, c)| Op::Put(n, t, i, o, c)),
        1 => (0u32..6).prop_map(Op::Delete),
        1 => Just(Op::DeleteNewest),
        1 => (1u32..400).prop_map(Op::Filler),
        1 => (0u8..4).prop_map(Op::DeleteTail),
        3 => Just(Op::Read),
    ]
}

fn value(kind: u8, input: u64, output: u64, created: bool) -> String {
    let time = if created {
        r#""createdAt":"2025-11-08T14:00:09Z","#
    } else {
        ""
    };
    format!(
        r#"{{"type":{kind},{time}"text":"<TEXT>","tokenCount":{{"inputTokens":{input},"outputTokens":{output}}}}}"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Reading incrementally from each state, keeping the last copy of every key (what the
    /// store does), agrees with one full read of the final database on every key the full read
    /// has; keys only the incremental reads have are bubbles deleted or stripped of usage since.
    #[test]
    fn incremental_reads_equal_one_full_read(ops in proptest::collection::vec(op(), 1..60)) {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(SCHEMA).unwrap();
        put(&db, &format!("{COMPOSER_PREFIX}{COMPOSER}"), r#"{"createdAt":1761820000000}"#);
        let mut state: Option<Vec<u8>> = None;
        let mut filler = 0u32;
        let mut stored: HashMap<String, UsageRecord> = HashMap::new();
        let mut read_into = |db: &Connection, state: &mut Option<Vec<u8>>| {
            let (read, next) = read_db(db, state.as_deref());
            for r in read.records {
                stored.insert(r.dedup_key.clone(), r);
            }
            *state = Some(next);
        };
        for op in &ops {
            match op {
                Op::Put(n, kind, i, o, c) => put(&db, &bubble(*n), &value(*kind, *i, *o, *c)),
                Op::Delete(n) => {
                    db.execute("DELETE FROM cursorDiskKV WHERE key = ?1", [bubble(*n)]).unwrap();
                }
                Op::DeleteNewest => {
                    db.execute(
                        "DELETE FROM cursorDiskKV WHERE rowid = (SELECT max(rowid) FROM cursorDiskKV)
                           AND key GLOB 'bubbleId:*'",
                        [],
                    )
                    .unwrap();
                }
                Op::Filler(n) => {
                    for _ in 0..*n {
                        filler += 1;
                        put(&db, &format!("checkpointId:{COMPOSER}:{filler}"), "{}");
                    }
                }
                Op::DeleteTail(quarter) => {
                    db.execute(
                        "DELETE FROM cursorDiskKV
                         WHERE rowid > (SELECT max(rowid) FROM cursorDiskKV) * ?1 / 4
                           AND key NOT GLOB 'composerData:*'",
                        [i64::from(*quarter)],
                    )
                    .unwrap();
                }
                Op::Read => read_into(&db, &mut state),
            }
        }
        read_into(&db, &mut state);
        let (full, _) = read_db(&db, None);
        for r in &full.records {
            prop_assert_eq!(stored.get(&r.dedup_key), Some(r));
        }
        let full_keys: Vec<&str> = full.records.iter().map(|r| r.dedup_key.as_str()).collect();
        for key in stored.keys().filter(|k| !full_keys.contains(&k.as_str())) {
            let (usage, kind): (Option<i64>, Option<i64>) = db
                .query_row(
                    "SELECT json_extract(value, '$.tokenCount.inputTokens') + json_extract(value, '$.tokenCount.outputTokens'),
                            json_extract(value, '$.type')
                     FROM cursorDiskKV WHERE key = ?1",
                    [key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap_or((None, None));
            prop_assert!(
                usage.unwrap_or(0) == 0 || kind != Some(2),
                "{} is current with usage but missing from the full read", key
            );
        }
        // A final read from the last state finds nothing new (the window gives stored copies).
        let (last, _) = read_db(&db, state.as_deref());
        for r in &last.records {
            prop_assert_eq!(stored.get(&r.dedup_key), Some(r));
        }
    }
}
