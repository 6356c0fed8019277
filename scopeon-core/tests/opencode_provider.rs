//! The OpenCode provider: fixture snapshots (message files and database rows), the worked example
//! of docs/providers/opencode.md, scans of a home laid out like OpenCode's (default location and
//! `$XDG_DATA_HOME`, legacy JSON plus `opencode.db`), privacy, and a property test that a message's
//! JSON file and its database row give the same record.
//!
//! Message fixtures (`tests/fixtures/opencode/*.json`) are files as OpenCode writes them under
//! `storage/message/<sessionID>/`. Database fixtures (`tests/fixtures/opencode/db/*.jsonl`)
//! hold a first `{"comment": …}` line, then one row per line: `"table"`, its columns, and the
//! `data` column as JSON (`"data"`), raw text (`"raw"`) or NULL (`"null": true`).

use std::time::{Duration, SystemTime};

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use rusqlite::Connection;
use rusqlite::types::Value;
use serde::Serialize;

use scopeon_core::env::Env;
use scopeon_core::provider::opencode::Opencode;
use scopeon_core::provider::{LineOutcome, Provider, SourceContext};
use scopeon_core::record::{ProviderId, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{GroupKey, ReportQuery, Store, Totals};

/// OpenCode 1.2's tables (v1), and v2's `session_message`, without NOT NULL constraints so
/// fixtures can hold the rows a damaged database might.
const SCHEMA: &str = "
CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT, vcs TEXT, name TEXT,
    time_created INTEGER, time_updated INTEGER);
CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT, parent_id TEXT, slug TEXT,
    directory TEXT, title TEXT, version TEXT, time_created INTEGER, time_updated INTEGER);
CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER,
    time_updated INTEGER, data TEXT);
CREATE INDEX message_session_idx ON message (session_id);
CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT,
    time_created INTEGER, time_updated INTEGER, data TEXT);
CREATE TABLE session_message (id TEXT PRIMARY KEY, session_id TEXT, type TEXT, data TEXT);";

const SESSION: &str = "ses_01SYNTHoc000000000000000A";

/// The worked example message of docs/providers/opencode.md.
const EXAMPLE: &str = r#"{"id":"msg_01SYNTHoc0000000000000001","sessionID":"ses_01SYNTHoc000000000000000A","role":"assistant","parentID":"msg_01SYNTHoc0000000000000000","modelID":"claude-sonnet-4-5","providerID":"anthropic","mode":"build","path":{"cwd":"/home/dev/acme-api","root":"/home/dev/acme-api"},"time":{"created":1761901200123,"completed":1761901207456},"cost":0.0231,"tokens":{"input":1200,"output":380,"reasoning":0,"cache":{"read":22000,"write":1500}}}"#;

fn fixtures() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opencode")
}

#[derive(Debug, Serialize)]
struct Parsed {
    outcome: String,
    records: Vec<UsageRecord>,
}

fn outcome_name(o: LineOutcome) -> String {
    match o {
        LineOutcome::Records(n) => format!("records({n})"),
        LineOutcome::Ignored => "ignored".to_owned(),
        LineOutcome::Skipped(r) => format!("skipped({r})"),
    }
}

/// Parses a message file as if it were `storage/message/ses_fixture/<name>`.
fn parse_file(name: &str, bytes: &[u8]) -> Parsed {
    let ctx = SourceContext::new(format!("storage/message/ses_fixture/{name}"));
    let mut records = Vec::new();
    let outcome = Opencode.parse_document(&ctx, bytes, &mut records);
    Parsed {
        outcome: outcome_name(outcome),
        records,
    }
}

fn parse_fixture(name: &str) -> Parsed {
    parse_file(name, &std::fs::read(fixtures().join(name)).unwrap())
}

#[test]
fn opencode_message_fixtures() {
    insta::glob!("fixtures/opencode/*.json", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let parsed = parse_fixture(name);
        for r in &parsed.records {
            assert_eq!(r.provider, ProviderId::Opencode);
            assert!(r.tokens.output >= r.tokens.reasoning, "{name}");
        }
        insta::assert_yaml_snapshot!(parsed);
    });
}

/// Writes the rows of a database fixture into `db`.
fn load_rows(db: &Connection, fixture: &str) {
    for line in fixture.lines().filter(|l| !l.trim().is_empty()) {
        let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        if row.contains_key("comment") {
            continue;
        }
        let table = row["table"].as_str().unwrap();
        let mut columns = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        for (k, v) in &row {
            let value = match k.as_str() {
                "table" => continue,
                "data" => Value::Text(v.to_string()),
                "raw" => Value::Text(v.as_str().unwrap().to_owned()),
                "null" => Value::Null,
                _ => match v {
                    serde_json::Value::Null => Value::Null,
                    serde_json::Value::String(s) => Value::Text(s.clone()),
                    serde_json::Value::Number(n) => Value::Integer(n.as_i64().unwrap()),
                    other => Value::Text(other.to_string()),
                },
            };
            columns.push(match k.as_str() {
                "raw" | "null" => "data",
                other => other,
            });
            values.push(value);
        }
        let marks: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        db.execute(&sql, rusqlite::params_from_iter(values))
            .unwrap();
    }
}

#[derive(Debug, Serialize)]
struct DbRead {
    records: Vec<UsageRecord>,
    skipped: Vec<(u64, String)>,
}

fn read_db(db: &Connection) -> DbRead {
    let mut records = Vec::new();
    let read = Opencode
        .read_database(&SourceContext::new("opencode.db"), db, None, &mut records)
        .unwrap();
    assert!(read.state.is_empty(), "databases are read whole");
    DbRead {
        records,
        skipped: read
            .skipped
            .iter()
            .map(|(at, r)| (*at, r.as_str().to_owned()))
            .collect(),
    }
}

fn read_db_fixture(name: &str) -> DbRead {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch(SCHEMA).unwrap();
    load_rows(
        &db,
        &std::fs::read_to_string(fixtures().join("db").join(name)).unwrap(),
    );
    read_db(&db)
}

#[test]
fn opencode_database_fixtures() {
    insta::glob!("fixtures/opencode/db/*.jsonl", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let read = read_db_fixture(name);
        for r in &read.records {
            assert_eq!(r.provider, ProviderId::Opencode);
        }
        insta::assert_yaml_snapshot!(read);
    });
}

/// The numbers the worked example must give, written out by hand.
fn assert_example(r: &UsageRecord) {
    assert_eq!(r.provider, ProviderId::Opencode);
    assert_eq!(r.dedup_key, "msg_01SYNTHoc0000000000000001");
    assert_eq!(r.session, "ses_01SYNTHoc000000000000000A");
    assert_eq!(r.project.as_deref(), Some("/home/dev/acme-api"));
    assert_eq!(r.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(r.timestamp_ms, 1_761_901_200_123);
    assert_eq!(r.tokens.input, 1200);
    assert_eq!(r.tokens.cache_creation, 1500);
    assert_eq!(r.tokens.cache_creation_5m + r.tokens.cache_creation_1h, 0);
    assert_eq!(r.tokens.cache_read, 22000);
    assert_eq!(r.tokens.output, 380);
    assert_eq!(r.tokens.reasoning, 0);
    assert_eq!(r.tokens.total(), 25080);
    // $0.0231
    assert_eq!(r.reported_cost_pusd, Some(23_100_000_000));
    assert_eq!(r.requests, 1);
    assert!(!r.flags.estimated && !r.flags.aggregate && !r.flags.subagent);
}

#[test]
fn worked_example() {
    let file = std::fs::read_to_string(fixtures().join("worked_example.json")).unwrap();
    assert_eq!(
        file.trim_end(),
        EXAMPLE,
        "the fixture is the document's example"
    );
    let parsed = parse_fixture("worked_example.json");
    assert_eq!(parsed.outcome, "records(1)");
    assert_example(&parsed.records[0]);
    // As OpenCode 1.2 stores it: the same record.
    let db = read_db_fixture("v1_migrated.jsonl");
    assert!(db.skipped.is_empty());
    assert_eq!(db.records.len(), 1);
    assert_example(&db.records[0]);
}

/// The worked example's variants: no `time.completed` (no record), and `"cost":0` with non-zero
/// tokens (a record priced from its tokens: no reported cost).
#[test]
fn worked_example_variants() {
    let streaming = parse_fixture("worked_example_streaming.json");
    assert_eq!(streaming.outcome, "ignored");
    assert!(streaming.records.is_empty());
    let free = parse_fixture("worked_example_cost_zero.json");
    assert_eq!(free.outcome, "records(1)");
    let r = &free.records[0];
    assert_eq!(r.reported_cost_pusd, None);
    assert_eq!(r.tokens.total(), 1200 + 1500 + 22000 + 380);
}

#[test]
fn reasoning_counts_as_output() {
    let r = &parse_fixture("reasoning_pretty.json").records[0];
    // output 800 + reasoning 1200
    assert_eq!((r.tokens.output, r.tokens.reasoning), (2000, 1200));
    assert_eq!(r.tokens.total(), 3000 + 2000);
}

// ------------------------------------------------------------------------ scans of a home

fn utf8(p: &std::path::Path) -> Utf8PathBuf {
    Utf8PathBuf::from_path_buf(p.to_owned()).unwrap()
}

fn run(store: &mut Store, env: &Env) -> ScanSummary {
    let options = ScanOptions::new().only([ProviderId::Opencode]);
    scan(store, env, &options, &mut |_| {}).unwrap()
}

fn totals(store: &Store) -> Totals {
    store
        .report(&ReportQuery::new().group_by(vec![GroupKey::Provider]))
        .unwrap()
        .totals
}

fn bump_mtime(path: &Utf8Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(secs))
        .unwrap();
}

/// An assistant message's JSON (without id and sessionID when `columns`, as the database keeps
/// them), with `text` in every field that holds text.
fn message(
    id: &str,
    input: u64,
    output: u64,
    completed: bool,
    columns: bool,
    text: &str,
) -> String {
    let ids = if columns {
        String::new()
    } else {
        format!(r#""id":"{id}","sessionID":"{SESSION}","#)
    };
    let completed = if completed {
        r#","completed":1761901207456"#
    } else {
        ""
    };
    format!(
        r#"{{{ids}"role":"assistant","parentID":"msg_parent","modelID":"claude-sonnet-4-5","providerID":"anthropic","mode":"build","agent":"build","system":["{text}"],"path":{{"cwd":"/home/dev/acme-api","root":"/home/dev/{text}"}},"summary":{{"title":"{text}","body":"{text}","diffs":[{{"file":"{text}","before":"{text}","after":"{text}"}}]}},"error":{{"name":"APIError","data":{{"message":"{text}","responseBody":"{text}"}}}},"time":{{"created":1761901200123{completed}}},"cost":0.01,"tokens":{{"input":{input},"output":{output},"reasoning":0,"cache":{{"read":0,"write":0}}}}}}"#
    )
}

fn user_message(id: &str, text: &str) -> String {
    format!(
        r#"{{"id":"{id}","sessionID":"{SESSION}","role":"user","time":{{"created":1761901200000}},"agent":"build","model":{{"providerID":"anthropic","modelID":"claude-sonnet-4-5"}},"system":"{text}","tools":{{"{text}":true}},"summary":{{"title":"{text}","diffs":[]}}}}"#
    )
}

fn write(path: &Utf8Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A legacy JSON store and a migrated database under `root`: message 1 in both (the database
/// copy with other counts), message 2 only as JSON, message 3 only in the database, and one
/// message of each still streaming. Returns the writer connection, kept open in WAL mode as
/// OpenCode keeps it.
fn opencode_home(root: &Utf8Path, text: &str) -> Connection {
    let dir = root.join("storage/message").join(SESSION);
    write(&dir.join("msg_0.json"), &user_message("msg_0", text));
    write(
        &dir.join("msg_1.json"),
        &message("msg_1", 100, 10, true, false, text),
    );
    write(
        &dir.join("msg_2.json"),
        &message("msg_2", 200, 20, true, false, text),
    );
    write(
        &dir.join("msg_4.json"),
        &message("msg_4", 400, 40, false, false, text),
    );
    write(
        &root.join("storage/part/msg_1/prt_1.json"),
        &format!(
            r#"{{"id":"prt_1","messageID":"msg_1","sessionID":"{SESSION}","type":"text","text":"{text}"}}"#
        ),
    );
    write(
        &root.join("storage/session/proj/ses.json"),
        &format!(r#"{{"id":"{SESSION}","title":"{text}","directory":"/home/dev/acme-api"}}"#),
    );
    let db = Connection::open(root.join("opencode.db")).unwrap();
    let mode: String = db
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    db.execute_batch(SCHEMA).unwrap();
    db.execute(
        "INSERT INTO project VALUES ('proj', '/home/dev/acme-api', 'git', ?1, 0, 0)",
        [text],
    )
    .unwrap();
    db.execute(
        "INSERT INTO session (id, project_id, directory, title) VALUES (?1, 'proj', '/home/dev/acme-api', ?2)",
        (SESSION, text),
    )
    .unwrap();
    let add = |id: &str, data: &str| {
        db.execute(
            "INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?1, ?2, 0, 0, ?3)",
            (id, SESSION, data),
        )
        .unwrap();
    };
    add("msg_0", &user_message("msg_0", text));
    add("msg_1", &message("msg_1", 111, 11, true, true, text));
    add("msg_3", &message("msg_3", 300, 30, true, true, text));
    add("msg_5", &message("msg_5", 500, 50, false, true, text));
    db.execute(
        "INSERT INTO part VALUES ('prt_1', 'msg_1', ?1, 0, 0, ?2)",
        (SESSION, format!(r#"{{"type":"text","text":"{text}"}}"#)),
    )
    .unwrap();
    db
}

#[test]
fn scan_default_location_database_wins_and_completions_count() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let root = home.join(".local/share/opencode");
    let db = opencode_home(&root, "<TEXT>");
    let env = Env::isolated(home.as_str());
    let mut store = Store::open(&utf8(tmp.path()).join("scopeon.db")).unwrap();

    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!(ps.provider, ProviderId::Opencode);
    assert!(ps.problems.is_empty(), "{:?}", ps.problems);
    // Four message files and the database; parts and sessions are not logs.
    assert_eq!(ps.files, 5);
    assert_eq!(ps.skipped.total(), 0);
    let t = totals(&store);
    // msg_1 (the database's 111/11, not the file's 100/10), msg_2, msg_3.
    assert_eq!(t.requests, 3);
    assert_eq!(t.input_tokens, 111 + 200 + 300);
    assert_eq!(t.output_tokens, 11 + 20 + 30);

    let again = run(&mut store, &env);
    assert_eq!(again.providers[0].new_records, 0);
    assert_eq!(again.providers[0].files_unchanged, 5);
    assert_eq!(totals(&store), t);

    // msg_4's file is rewritten complete; msg_5's row is updated in place; a new message
    // arrives in the database (its write-ahead log).
    let dir = root.join("storage/message").join(SESSION);
    write(
        &dir.join("msg_4.json"),
        &message("msg_4", 400, 40, true, false, "<TEXT>"),
    );
    bump_mtime(&dir.join("msg_4.json"), 10);
    db.execute(
        "UPDATE message SET data = ?1 WHERE id = 'msg_5'",
        [message("msg_5", 500, 50, true, true, "<TEXT>")],
    )
    .unwrap();
    db.execute(
        "INSERT INTO message VALUES ('msg_6', ?1, 0, 0, ?2)",
        (SESSION, message("msg_6", 600, 60, true, true, "<TEXT>")),
    )
    .unwrap();
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!(ps.files_read, 2, "the rewritten file and the database");
    assert_eq!(ps.new_records, 3);
    let t2 = totals(&store);
    assert_eq!(t2.requests, 6);
    assert_eq!(t2.input_tokens, t.input_tokens + 400 + 500 + 600);
    assert_eq!(t2.output_tokens, t.output_tokens + 40 + 50 + 60);
    drop(db);
}

#[test]
fn scan_xdg_data_home() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let data = utf8(tmp.path()).join("data");
    let _db = opencode_home(&data.join("opencode"), "<TEXT>");
    // Not searched once $XDG_DATA_HOME says where OpenCode's data is.
    write(
        &home.join(".local/share/opencode/storage/message/ses_x/msg_x.json"),
        &message("msg_x", 9, 9, true, false, "<TEXT>"),
    );
    let env = Env::isolated(home.as_str()).with_vars(&[("XDG_DATA_HOME", data.as_str())]);
    let mut store = Store::open_in_memory().unwrap();
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    assert_eq!(ps.roots.len(), 1);
    assert_eq!(ps.roots[0].path, data.join("opencode"));
    assert!(ps.roots[0].exists);
    assert_eq!(ps.files, 5);
    assert_eq!(totals(&store).input_tokens, 111 + 200 + 300);
}

/// A database copy of a message wins over its JSON copy, whatever their order in the walk:
/// several databases (channels) and files, checked by the totals.
#[test]
fn channel_databases_are_read_after_files() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let root = home.join(".local/share/opencode");
    // A file that sorts after the databases by name still loses to them.
    write(
        &root.join("storage/message/zzz/msg_7.json"),
        &message("msg_7", 1, 1, true, false, "<TEXT>"),
    );
    let beta = Connection::open(root.join("opencode-beta.db")).unwrap();
    beta.execute_batch(SCHEMA).unwrap();
    beta.execute(
        "INSERT INTO message VALUES ('msg_7', 'zzz', 0, 0, ?1)",
        [message("msg_7", 70, 7, true, true, "<TEXT>")],
    )
    .unwrap();
    drop(beta);
    let env = Env::isolated(home.as_str());
    let mut store = Store::open_in_memory().unwrap();
    run(&mut store, &env);
    let t = totals(&store);
    assert_eq!((t.requests, t.input_tokens, t.output_tokens), (1, 70, 7));
}

#[test]
fn a_database_without_message_tables_is_a_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let root = home.join(".local/share/opencode");
    std::fs::create_dir_all(&root).unwrap();
    let db = Connection::open(root.join("opencode.db")).unwrap();
    db.execute_batch("CREATE TABLE kv (k TEXT, v TEXT);")
        .unwrap();
    drop(db);
    let env = Env::isolated(home.as_str());
    let mut store = Store::open_in_memory().unwrap();
    let s = run(&mut store, &env);
    let problems = &s.providers[0].problems;
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].problem.contains("session_message"),
        "{problems:?}"
    );
}

// ------------------------------------------------------------------------------- privacy

const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn privacy_marker_never_leaves_the_agent_files() {
    let tmp = tempfile::tempdir().unwrap();
    let home = utf8(tmp.path()).join("home");
    let root = home.join(".local/share/opencode");
    let db = opencode_home(&root, MARKER);
    // Malformed copies holding the marker: skipped, by file or rowid only.
    let dir = root.join("storage/message").join(SESSION);
    write(
        &dir.join("msg_8.json"),
        &format!(r#"{{"id":"msg_8","role":"assistant","summary":"{MARKER}","tokens":{{"inp"#),
    );
    db.execute(
        "INSERT INTO message VALUES ('msg_9', ?1, 0, 0, ?2)",
        (
            SESSION,
            format!(r#"{{"role":"assistant","error":"{MARKER}""#),
        ),
    )
    .unwrap();
    drop(db);

    let store_path = utf8(tmp.path()).join("out/scopeon.db");
    std::fs::create_dir_all(store_path.parent().unwrap()).unwrap();
    let mut store = Store::open(&store_path).unwrap();
    let env = Env::isolated(home.as_str());
    let summary = run(&mut store, &env);
    let ps = &summary.providers[0];
    assert!(ps.problems.is_empty(), "{:?}", ps.problems);
    assert_eq!(ps.new_records, 3);
    assert_eq!(ps.skipped.total(), 2);
    assert_eq!(ps.skipped_examples.len(), 2);

    let query = ReportQuery::new().group_by(vec![
        GroupKey::Day,
        GroupKey::Model,
        GroupKey::Project,
        GroupKey::Session,
    ]);
    let report = store.report(&query).unwrap();
    assert_eq!(report.totals.requests, 3);
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
        contains(&db_bytes, SESSION),
        "the store holds the session id"
    );
    assert!(contains(&db_bytes, "/home/dev/acme-api"), "and the project");
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

/// A message's fields, generated.
#[derive(Debug, Clone)]
struct Gen {
    role: &'static str,
    model: Option<&'static str>,
    model_in_object: bool,
    cwd: Option<&'static str>,
    created_ms: Option<i64>,
    /// `time.completed` as written (absent when `None`), and whether it marks completion.
    completed: Option<(&'static str, bool)>,
    cost: f64,
    tokens: [u64; 5],
    counts_as_strings: bool,
    pretty: bool,
}

fn gen_message() -> impl Strategy<Value = Gen> {
    (
        prop_oneof![4 => Just("assistant"), 1 => Just("user")],
        proptest::option::of(proptest::sample::select(vec![
            "claude-sonnet-4-5",
            "gpt-5",
            "gemini-2.5-pro",
        ])),
        any::<bool>(),
        proptest::option::of(proptest::sample::select(vec!["/home/dev/a", "/srv/b c"])),
        proptest::option::of(1_700_000_000_000i64..1_800_000_000_000),
        proptest::option::of(proptest::sample::select(vec![
            ("1800000000001", true),
            ("1800000000", true),
            ("\"2027-01-15T08:00:00Z\"", true),
            ("\"done\"", true),
            ("true", true),
            ("null", false),
            ("false", false),
            ("0", false),
            ("\"\"", false),
            ("{\"at\":1}", false),
        ])),
        prop_oneof![Just(0.0), 0.0001f64..5.0],
        proptest::array::uniform5(prop_oneof![Just(0u64), 0u64..100_000, Just(u64::MAX)]),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(role, model, model_in_object, cwd, created_ms, completed, cost, tokens, s, p)| Gen {
                role,
                model,
                model_in_object,
                cwd,
                created_ms,
                completed,
                cost,
                tokens,
                counts_as_strings: s,
                pretty: p,
            },
        )
}

impl Gen {
    /// The message's JSON; `ids` adds `id` and `sessionID` (the database keeps them apart).
    fn json(&self, ids: bool) -> String {
        let mut m = serde_json::Map::new();
        if ids {
            m.insert("id".into(), "msg_gen".into());
            m.insert("sessionID".into(), "ses_gen".into());
        }
        m.insert("role".into(), self.role.into());
        m.insert("text".into(), "<TEXT>".into());
        if let Some(model) = self.model {
            if self.model_in_object {
                m.insert(
                    "model".into(),
                    serde_json::json!({"id": model, "providerID": "p"}),
                );
            } else {
                m.insert("modelID".into(), model.into());
            }
        }
        if let Some(cwd) = self.cwd {
            m.insert("path".into(), serde_json::json!({"cwd": cwd, "root": "/"}));
        }
        let mut time = serde_json::Map::new();
        if let Some(c) = self.created_ms {
            time.insert("created".into(), c.into());
        }
        if let Some((completed, _)) = self.completed {
            time.insert("completed".into(), serde_json::from_str(completed).unwrap());
        }
        m.insert("time".into(), time.into());
        m.insert("cost".into(), self.cost.into());
        let n = |v: u64| -> serde_json::Value {
            if self.counts_as_strings {
                v.to_string().into()
            } else {
                v.into()
            }
        };
        let [input, output, reasoning, read, write] = self.tokens;
        m.insert(
            "tokens".into(),
            serde_json::json!({
                "input": n(input), "output": n(output), "reasoning": n(reasoning),
                "cache": {"read": n(read), "write": n(write)}
            }),
        );
        let v = serde_json::Value::Object(m);
        if self.pretty {
            serde_json::to_string_pretty(&v).unwrap()
        } else {
            v.to_string()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A message gives the same record from its file and from its database row, and that
    /// record is the one docs/tokens.md and docs/identity.md describe.
    #[test]
    fn file_and_row_agree(g in gen_message()) {
        let parsed = parse_file("msg_gen.json", g.json(true).as_bytes());
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(SCHEMA).unwrap();
        db.execute(
            "INSERT INTO message (id, session_id, data) VALUES ('msg_gen', 'ses_gen', ?1)",
            [g.json(false)],
        )
        .unwrap();
        let row = read_db(&db);
        prop_assert_eq!(&row.records, &parsed.records);

        let [input, output, reasoning, read, write] = g.tokens;
        let completed = g.completed.is_some_and(|(_, marks)| marks);
        let counts = g.role == "assistant" && completed && g.tokens.iter().any(|t| *t > 0);
        // The completion times the generator writes, in milliseconds ("done" and true have none).
        let completed_ms = match g.completed.map(|(c, _)| c) {
            Some("1800000000001") => Some(1_800_000_000_001),
            Some("1800000000") => Some(1_800_000_000_000),
            Some("\"2027-01-15T08:00:00Z\"") => Some(1_800_000_000_000),
            _ => None,
        };
        let timed = g.created_ms.or(completed_ms);
        if counts && timed.is_none() {
            prop_assert_eq!(parsed.outcome.as_str(), "skipped(missing_field)");
            prop_assert_eq!(row.skipped.len(), 1);
        }
        prop_assert_eq!(parsed.records.len(), usize::from(counts && timed.is_some()));
        if let Some(r) = parsed.records.first() {
            prop_assert_eq!(r.dedup_key.as_str(), "msg_gen");
            prop_assert_eq!(r.session.as_str(), "ses_gen");
            prop_assert_eq!(r.model.as_deref(), g.model);
            prop_assert_eq!(r.project.as_deref(), g.cwd);
            prop_assert_eq!(Some(r.timestamp_ms), timed);
            prop_assert_eq!(r.tokens.input, input);
            prop_assert_eq!(r.tokens.output, output.saturating_add(reasoning));
            prop_assert_eq!(r.tokens.reasoning, reasoning);
            prop_assert_eq!(r.tokens.cache_read, read);
            prop_assert_eq!(r.tokens.cache_creation, write);
            prop_assert_eq!(r.reported_cost_pusd.is_some(), g.cost > 0.0);
        }
        // Parsing is a function of the bytes.
        let again = parse_file("msg_gen.json", g.json(true).as_bytes());
        prop_assert_eq!(again.records, parsed.records);
    }
}
