//! The Aider provider: snapshots of every fixture, the worked example of docs/providers/aider.md,
//! end-to-end scans of a home directory laid out like Aider's, privacy, and resume properties.

use camino::{Utf8Path, Utf8PathBuf};
use proptest::prelude::*;
use scopeon_core::env::Env;
use scopeon_core::fuzz_checks::{ChunkedReader, check_provider_resume, read_file};
use scopeon_core::provider::aider::Aider;
use scopeon_core::provider::{LineOutcome, Provider, SkipReason, SourceContext};
use scopeon_core::record::{ProviderId, UsageRecord};
use scopeon_core::scan::{ScanOptions, ScanSummary, scan};
use scopeon_core::store::{CostMode, GroupKey, ReportQuery, Store, Totals};
use scopeon_core::tail::{Frame, LineReader};
use serde::Serialize;

const REL: &str = "analytics.jsonl";
const USER: &str = r#""user_id":"1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b""#;

fn fixture(name: &str) -> Vec<u8> {
    let path = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aider");
    std::fs::read(path.join(name)).unwrap()
}

// ------------------------------------------------------------------------------ snapshots

#[derive(Serialize)]
struct Parsed {
    offset: u64,
    outcome: String,
    records: Vec<UsageRecord>,
}

/// Frames a file as `scan` does and parses every line with one parser, so the session state
/// carries from line to line.
fn parse_file(bytes: &[u8]) -> Vec<Parsed> {
    let mut parser = Aider.parser(&SourceContext::new(REL), None).unwrap();
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

fn records_of(bytes: &[u8]) -> Vec<UsageRecord> {
    parse_file(bytes)
        .into_iter()
        .flat_map(|p| p.records)
        .collect()
}

#[test]
fn aider_fixtures() {
    insta::glob!("fixtures/aider/*.jsonl", |path| {
        let bytes = std::fs::read(path).unwrap();
        insta::assert_yaml_snapshot!(parse_file(&bytes));
    });
}

// ------------------------------------------------------------------------- worked examples

/// docs/providers/aider.md, worked example: two events at the same second, one with a redacted
/// model and cost 0, in the session launched at 1759480000 and exited at 1759480400.
#[test]
fn worked_example() {
    let parsed = parse_file(&fixture("worked_example.jsonl"));
    let outcomes: Vec<&str> = parsed.iter().map(|p| p.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "ignored",
            "ignored",
            "ignored",
            "records(1)",
            "records(1)",
            "ignored"
        ]
    );
    let r = records_of(&fixture("worked_example.jsonl"));
    assert_eq!(r.len(), 2);

    assert_eq!(r[0].tokens.input, 14210);
    assert_eq!(r[0].tokens.output, 655);
    assert_eq!(r[0].tokens.total(), 14865);
    assert_eq!(r[0].reported_cost_pusd, Some(52_455_000_000));
    assert_eq!(r[0].model.as_deref(), Some("anthropic/claude-sonnet-4-5"));

    assert_eq!(r[1].tokens.input, 9003);
    assert_eq!(r[1].tokens.output, 120);
    assert_eq!(r[1].model, None, "openrouter/REDACTED is unknown");
    assert_eq!(r[1].reported_cost_pusd, Some(0));

    for rec in &r {
        assert_eq!(rec.timestamp_ms, 1_759_480_061_000);
        assert_eq!(rec.session, "aider:2025-10-03T08:26:40Z");
        assert_eq!(rec.project, None);
        assert_eq!(rec.tokens.cache_read, 0);
        assert_eq!(rec.tokens.cache_creation, 0);
        assert_eq!(rec.tokens.reasoning, 0);
        assert_eq!(rec.requests, 1);
    }
    // The same second, so only the line tells them apart.
    assert_ne!(r[0].dedup_key, r[1].dedup_key);
}

#[test]
fn sessions_fixture() {
    let r = records_of(&fixture("sessions_and_resets.jsonl"));
    let got: Vec<(&str, u64)> = r
        .iter()
        .map(|r| (r.session.as_str(), r.tokens.input))
        .collect();
    assert_eq!(
        got,
        [
            // The log starts mid-session: the first reply names it.
            ("aider:2025-10-09T08:53:20Z", 1000),
            ("aider:2025-10-09T08:53:20Z", 2000),
            // total_cost fell from 0.407 to 0.0105: a new process.
            ("aider:2025-10-09T08:55:00Z", 3000),
            // After an exit, without a launch.
            ("aider:2025-10-09T08:58:20Z", 4000),
            // launched at 1760001000; an unchanged total_cost (cost 0) is the same session.
            ("aider:2025-10-09T09:10:00Z", 5000),
            ("aider:2025-10-09T09:10:00Z", 6000),
            // A `cli session` after an exit opens a session.
            ("aider:2025-10-09T09:26:40Z", 7000),
        ]
    );
    assert_eq!(r[5].model.as_deref(), Some("o3-mini"));
    assert_eq!(r[5].reported_cost_pusd, Some(0));
}

#[test]
fn models_costs_copies_and_encodings() {
    let r = records_of(&fixture("models_and_costs.jsonl"));
    let models: Vec<Option<&str>> = r.iter().map(|r| r.model.as_deref()).collect();
    assert_eq!(
        models,
        [None, None, None, Some("deepseek/deepseek-chat"), None, None]
    );
    let costs: Vec<Option<i64>> = r.iter().map(|r| r.reported_cost_pusd).collect();
    assert_eq!(
        costs,
        [
            Some(0),
            Some(1_000_000_000),
            None,
            Some(120_000_000),
            Some(0),
            Some(2_000_000_000)
        ]
    );

    // A concatenated copy: four records, two keys.
    let r = records_of(&fixture("concatenated_copy.jsonl"));
    assert_eq!(r.len(), 4);
    assert_eq!(r[0].dedup_key, r[2].dedup_key);
    assert_eq!(r[1].dedup_key, r[3].dedup_key);
    assert_ne!(r[0].dedup_key, r[1].dedup_key);

    // BOM, CRLF and blank lines; the key is the line without its CR.
    let parsed = parse_file(&fixture("bom_crlf_blank.jsonl"));
    let outcomes: Vec<&str> = parsed.iter().map(|p| p.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["ignored", "blank", "records(1)", "blank", "ignored"]
    );
    let rec = &parsed[2].records[0];
    assert_eq!((rec.tokens.input, rec.tokens.output), (2500, 250));
    assert_eq!(rec.session, "aider:2025-11-13T02:13:20Z");

    // Python's NaN and Infinity lose the cost, not the reply.
    let r = records_of(&fixture("python_non_finite.jsonl"));
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].tokens.input, r[1].tokens.input), (800, 900));
    assert!(r.iter().all(|r| r.reported_cost_pusd.is_none()));

    // A half-written last line is not read.
    let r = records_of(&fixture("partial_tail.jsonl"));
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].tokens.input, 10);
}

#[test]
fn hostile_fixture() {
    let parsed = parse_file(&fixture("hostile.jsonl"));
    let count = |o: &str| parsed.iter().filter(|p| p.outcome == o).count();
    let records: Vec<UsageRecord> = parsed.iter().flat_map(|p| p.records.clone()).collect();
    let inputs: Vec<u64> = records.iter().map(|r| r.tokens.input).collect();
    // Saturated huge counts, deep junk skipped, epoch milliseconds and ISO times, a stray
    // invalid byte in an unread string, and the line after a NUL hole.
    assert_eq!(inputs, [u64::MAX, 7, 11, 13, 17, 19]);
    assert_eq!(records[0].tokens.output, 1);
    assert_eq!(records[0].reported_cost_pusd, None);
    assert_eq!(records[1].tokens.output, 3);
    assert_eq!(records[1].reported_cost_pusd, Some(100_000_000));
    assert_eq!(records[2].timestamp_ms, 1_766_000_100_000);
    assert_eq!(records[3].timestamp_ms, 1_766_000_100_000);
    // Truncated, 1e400 (beyond f64), text before and after the object, a duplicate key.
    assert_eq!(count("skipped(invalid_json)"), 5);
    assert_eq!(count("skipped(not_an_object)"), 4);
    // A time given as a numeric string, no time, a time before 2000.
    assert_eq!(count("skipped(missing_field)"), 3);
    // Negative and object counts are zero: no usage.
    assert_eq!(count("records(1)"), 6);
    // A zero-usage reply whose total_cost fell still starts a session; so does a reply
    // after the `exit` that followed the NUL hole.
    assert_eq!(records[3].session, "aider:2025-12-17T19:33:20Z");
    assert_eq!(records[4].session, "aider:2025-12-17T19:35:10Z");
    assert_eq!(records[5].session, "aider:2025-12-17T19:35:40Z");
    for r in &records {
        assert!(r.session.starts_with("aider:"));
    }
}

// ------------------------------------------------------------------------------ end to end

struct Home {
    _tmp: tempfile::TempDir,
    home: Utf8PathBuf,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().unwrap();
        let home = Utf8PathBuf::from_path_buf(tmp.path().join("home")).unwrap();
        std::fs::create_dir_all(&home).unwrap();
        Home { _tmp: tmp, home }
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Utf8PathBuf {
        let path = self.home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn append(&self, rel: &str, text: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(self.home.join(rel))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    fn db(&self) -> Utf8PathBuf {
        self.home.join("scopeon.db")
    }
}

fn aider_only() -> ScanOptions {
    ScanOptions::new().only([ProviderId::Aider])
}

fn run(store: &mut Store, env: &Env) -> ScanSummary {
    scan(store, env, &aider_only(), &mut |_| {}).unwrap()
}

fn report(store: &Store, by: Vec<GroupKey>, cost_mode: CostMode) -> scopeon_core::store::Report {
    store
        .report(&ReportQuery::new().group_by(by).cost_mode(cost_mode))
        .unwrap()
}

fn totals(store: &Store) -> Totals {
    report(store, Vec::new(), CostMode::Reported).totals
}

/// (session, requests, input) per session.
fn by_session(store: &Store) -> Vec<(String, u64, u64)> {
    report(store, vec![GroupKey::Session], CostMode::Calculated)
        .rows
        .into_iter()
        .map(|row| {
            (
                row.key[0].1.clone().unwrap_or_default(),
                row.totals.requests,
                row.totals.input_tokens,
            )
        })
        .collect()
}

fn send(prompt: u64, completion: u64, cost: f64, total: f64, time: i64) -> String {
    format!(
        r#"{{"event":"message_send","properties":{{"main_model":"gpt-4o","edit_format":"diff","prompt_tokens":{prompt},"completion_tokens":{completion},"total_tokens":{},"cost":{cost},"total_cost":{total}}},{USER},"time":{time}}}"#,
        prompt + completion
    ) + "\n"
}

/// The default log, plus a second one named (relatively, with a comment) in
/// `~/.aider.conf.yml`: scanned, counted, rescanned idle, then appended to.
#[test]
fn end_to_end_default_locations() {
    let h = Home::new();
    h.write(".aider/analytics.jsonl", &fixture("worked_example.jsonl"));
    h.write(
        ".aider.conf.yml",
        b"# Aider settings\nmodel: sonnet\nanalytics-log: logs/aider.jsonl  # the second log\n  analytics-log: /ignored/nested\n",
    );
    h.write("logs/aider.jsonl", &fixture("sessions_and_resets.jsonl"));
    // Not logs: Aider's analytics settings and its chat history (prompt text).
    h.write(
        ".aider/analytics.json",
        br#"{"uuid":"u","permanently_disable":false,"asked_opt_in":true}"#,
    );
    h.write(".aider.chat.history.md", b"# prompt text\n");
    let env = Env::isolated(h.home.as_str());
    let mut store = Store::open(&h.db()).unwrap();

    let first = run(&mut store, &env);
    let ps = &first.providers[0];
    assert_eq!(ps.provider, ProviderId::Aider);
    let roots: Vec<&Utf8Path> = ps.roots.iter().map(|r| r.path.as_path()).collect();
    assert_eq!(
        roots,
        [
            h.home.join(".aider/analytics.jsonl"),
            h.home.join("logs/aider.jsonl")
        ]
    );
    assert_eq!((ps.files, ps.files_read, ps.new_records), (2, 2, 9));
    assert_eq!(ps.skipped.total(), 0);

    let t = totals(&store);
    assert_eq!(t.requests, 9);
    assert_eq!(t.input_tokens, 14210 + 9003 + 28000);
    assert_eq!(t.output_tokens, 655 + 120 + 2800);
    assert_eq!(t.cache_read_tokens + t.cache_creation_tokens, 0);
    assert_eq!(t.total_tokens, 14210 + 9003 + 28000 + 655 + 120 + 2800);
    // Reported: 0.052455 + 0 + 0.0035 + 0.007 + 0.0105 + 0.014 + 0.0175 + 0 + 0.0245.
    assert_eq!(t.cost_pusd, Some(129_455_000_000));
    assert_eq!(
        by_session(&store),
        [
            ("aider:2025-10-03T08:26:40Z".to_owned(), 2, 14210 + 9003),
            ("aider:2025-10-09T08:53:20Z".to_owned(), 2, 3000),
            ("aider:2025-10-09T08:55:00Z".to_owned(), 1, 3000),
            ("aider:2025-10-09T08:58:20Z".to_owned(), 1, 4000),
            ("aider:2025-10-09T09:10:00Z".to_owned(), 2, 11000),
            ("aider:2025-10-09T09:26:40Z".to_owned(), 1, 7000),
        ]
    );
    let by_project = report(&store, vec![GroupKey::Project], CostMode::Calculated);
    assert_eq!(by_project.rows.len(), 1);
    assert_eq!(by_project.rows[0].key[0].1, None, "Aider logs no project");

    // Idle rescan: nothing read, nothing new.
    let second = run(&mut store, &env);
    assert_eq!(second.providers[0].new_records, 0);
    assert_eq!(second.providers[0].files_unchanged, 2);
    assert_eq!(totals(&store), t);

    // Appending resumes the open session (its id and last total_cost come from the stored
    // parser state), then a drop in total_cost starts another.
    h.append(
        "logs/aider.jsonl",
        &(send(100, 10, 0.0005, 0.025, 1_760_002_200)
            + &send(200, 20, 0.001, 0.001, 1_760_003_000)),
    );
    let third = run(&mut store, &env);
    assert_eq!(third.providers[0].files_read, 1);
    assert_eq!(third.providers[0].files_restarted, 0);
    assert_eq!(third.providers[0].new_records, 2);
    let after = totals(&store);
    assert_eq!(after.requests, t.requests + 2);
    assert_eq!(after.input_tokens, t.input_tokens + 300);
    assert_eq!(after.output_tokens, t.output_tokens + 30);
    assert_eq!(after.cost_pusd, Some(129_455_000_000 + 1_500_000_000));
    let sessions = by_session(&store);
    assert!(sessions.contains(&("aider:2025-10-09T09:26:40Z".to_owned(), 2, 7100)));
    assert!(sessions.contains(&("aider:2025-10-09T09:43:20Z".to_owned(), 1, 200)));

    // The same lines copied into a second configured log count once.
    let fourth = scan(
        &mut store,
        &env.clone().with_var(
            "AIDER_ANALYTICS_LOG",
            Some(&format!(
                "{},{}",
                h.write("copy/a.jsonl", &fixture("worked_example.jsonl")),
                h.home.join(".aider/analytics.jsonl")
            )),
        ),
        &aider_only(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(fourth.providers[0].new_records, 0);
    assert_eq!(totals(&store).requests, after.requests);
}

/// `$AIDER_ANALYTICS_LOG` replaces the defaults (a comma list; `~` expanded).
#[test]
fn end_to_end_env_var() {
    let h = Home::new();
    h.write(".aider/analytics.jsonl", &fixture("worked_example.jsonl"));
    h.write(".aider.conf.yml", b"analytics-log: other.jsonl\n");
    h.write("other.jsonl", &fixture("sessions_and_resets.jsonl"));
    h.write("a/one.jsonl", &fixture("other_events.jsonl"));
    h.write("b/two.jsonl", &fixture("models_and_costs.jsonl"));
    let env = Env::isolated(h.home.as_str()).with_vars(&[(
        "AIDER_ANALYTICS_LOG",
        "~/a/one.jsonl, ~/b/two.jsonl,~/missing.jsonl",
    )]);
    let mut store = Store::open(&h.db()).unwrap();
    let s = run(&mut store, &env);
    let ps = &s.providers[0];
    let roots: Vec<(&str, bool)> = ps
        .roots
        .iter()
        .map(|r| (r.path.strip_prefix(&h.home).unwrap().as_str(), r.exists))
        .collect();
    assert_eq!(
        roots,
        [
            ("a/one.jsonl", true),
            ("b/two.jsonl", true),
            ("missing.jsonl", false)
        ]
    );
    assert_eq!((ps.files, ps.new_records), (2, 2 + 6));
    let t = totals(&store);
    assert_eq!(
        t.input_tokens,
        22000 + 9000 + 100 + 200 + 300 + 400 + 500 + 600
    );
    assert_eq!(t.output_tokens, 1800 + 700 + 10 + 20 + 30 + 40 + 50 + 60);
    let models = report(&store, vec![GroupKey::Model], CostMode::Calculated);
    let keys: Vec<Option<String>> = models.rows.iter().map(|r| r.key[0].1.clone()).collect();
    assert_eq!(
        keys,
        [
            None,
            Some("anthropic/claude-opus-4-1".to_owned()),
            Some("deepseek/deepseek-chat".to_owned())
        ]
    );
}

// -------------------------------------------------------------------------------- privacy

const MARKER: &str = "SCOPEON-PRIVACY-MARKER-7f3a";

/// Every text field Aider writes except the model name (metadata Scopeon keeps) carries the
/// marker: event names of unread events, the install id, every other property, exception
/// text, exit reasons; and a truncated line holds it too.
#[test]
fn privacy_marker_never_stored() {
    let m = MARKER;
    let u = format!(r#""user_id":"{m}-uuid""#);
    let lines = [
        format!(r#"{{"event":"launched","properties":{{"note":"{m}"}},{u},"time":1768000000}}"#),
        format!(
            r#"{{"event":"cli session","properties":{{"main_model":"gpt-4o","weak_model":"{m}/weak","editor_model":"{m}/editor","edit_format":"{m}"}},{u},"time":1768000001}}"#
        ),
        format!(r#"{{"event":"command_{m}","properties":{{"args":"{m}"}},{u},"time":1768000002}}"#),
        format!(
            r#"{{"event":"repo","properties":{{"num_files":3,"path":"/home/{m}/repo"}},{u},"time":1768000003}}"#
        ),
        format!(
            r#"{{"event":"message_send_exception","properties":{{"exception":"Error: {m} in prompt"}},{u},"time":1768000004}}"#
        ),
        format!(
            r#"{{"event":"message_send","properties":{{"main_model":"gpt-4o","weak_model":"{m}","editor_model":"{m}","edit_format":"{m}","prompt_tokens":1234,"completion_tokens":56,"total_tokens":1290,"cost":0.01,"total_cost":0.01,"{m}":"{m}","nested":{{"{m}":["{m}"]}}}},{u},"time":1768000010}}"#
        ),
        format!(
            r#"{{"event":"message_send","properties":{{"main_model":"gpt-4o","prompt_tokens":5,"completion_tokens":1,"edit_format":"{m}"}},{u}}}"#
        ),
        format!(r#"{{"event":"message_send","properties":{{"edit_format":"{m}","prompt_tok"#),
        format!(r#"["{m}"]"#),
        format!(r#"{{"event":"exit","properties":{{"reason":"{m}"}},{u},"time":1768000020}}"#),
    ];
    let h = Home::new();
    h.write(
        ".aider/analytics.jsonl",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let env = Env::isolated(h.home.as_str());
    let mut store = Store::open(&h.db()).unwrap();
    let summary = run(&mut store, &env);
    let ps = &summary.providers[0];
    assert_eq!(ps.new_records, 1);
    assert_eq!(ps.skipped.get(SkipReason::MissingField), 1);
    assert_eq!(ps.skipped.get(SkipReason::InvalidJson), 1);
    assert_eq!(ps.skipped.get(SkipReason::NotAnObject), 1);
    assert_eq!(ps.skipped_examples.len(), 3);

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
    for e in &ps.skipped_examples {
        outputs.push(format!("{e:?}"));
    }
    for text in &outputs {
        assert!(!text.contains(MARKER), "marker in {text}");
    }
    assert_marker_absent_from_db(&h.db());
    drop(store);
    assert_marker_absent_from_db(&h.db());
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

/// A realistic event of an Aider log, as a line generator.
#[derive(Debug, Clone)]
enum Ev {
    Launched,
    CliSession,
    Exit,
    Send {
        prompt: u64,
        completion: u64,
        cost_milli: u64,
        reset: bool,
    },
    Other,
    Blank,
    Garbage,
    Truncated,
    NoTime,
    NaN,
}

fn ev() -> impl Strategy<Value = Ev> {
    prop_oneof![
        1 => Just(Ev::Launched),
        1 => Just(Ev::CliSession),
        1 => Just(Ev::Exit),
        8 => (0u64..50_000, 0u64..5_000, 0u64..100, proptest::bool::weighted(0.15)).prop_map(
            |(prompt, completion, cost_milli, reset)| Ev::Send { prompt, completion, cost_milli, reset }
        ),
        1 => Just(Ev::Other),
        1 => Just(Ev::Blank),
        1 => Just(Ev::Garbage),
        1 => Just(Ev::Truncated),
        1 => Just(Ev::NoTime),
        1 => Just(Ev::NaN),
    ]
}

/// Builds a log from events, one second apart, with CRLF endings where `crlf` says.
fn build(events: &[Ev], crlf: &[bool]) -> Vec<u8> {
    let mut total_milli = 0u64;
    let mut out = String::new();
    for (i, e) in events.iter().enumerate() {
        let t = 1_768_000_000 + i as i64;
        let line = match e {
            Ev::Launched => {
                total_milli = 0;
                format!(r#"{{"event":"launched","properties":{{}},{USER},"time":{t}}}"#)
            }
            Ev::CliSession => format!(
                r#"{{"event":"cli session","properties":{{"main_model":"gpt-4o","edit_format":"diff"}},{USER},"time":{t}}}"#
            ),
            Ev::Exit => format!(
                r#"{{"event":"exit","properties":{{"reason":"Control-C"}},{USER},"time":{t}}}"#
            ),
            Ev::Send {
                prompt,
                completion,
                cost_milli,
                reset,
            } => {
                if *reset {
                    total_milli = 0;
                }
                total_milli += cost_milli;
                send(
                    *prompt,
                    *completion,
                    *cost_milli as f64 / 1000.0,
                    total_milli as f64 / 1000.0,
                    t,
                )
                .trim_end()
                .to_owned()
            }
            Ev::Other => {
                format!(r#"{{"event":"command_add","properties":{{}},{USER},"time":{t}}}"#)
            }
            Ev::Blank => "   ".to_owned(),
            Ev::Garbage => "not json at all".to_owned(),
            Ev::Truncated => {
                r#"{"event":"message_send","properties":{"prompt_tokens":5"#.to_owned()
            }
            Ev::NoTime => {
                r#"{"event":"message_send","properties":{"prompt_tokens":5,"completion_tokens":1}}"#
                    .to_owned()
            }
            Ev::NaN => format!(
                r#"{{"event":"message_send","properties":{{"prompt_tokens":9,"completion_tokens":1,"cost":NaN,"total_cost":NaN}},"time":{t}}}"#
            ),
        };
        out.push_str(&line);
        out.push_str(if crlf.get(i).copied().unwrap_or(false) {
            "\r\n"
        } else {
            "\n"
        });
    }
    out.into_bytes()
}

/// Reading the file in arbitrary chunks gives what reading it whole gives.
fn check_chunked(data: &[u8], cap: usize, sizes: Vec<usize>) {
    let ctx = SourceContext::new(REL);
    let whole = read_file(
        data,
        0,
        cap,
        &mut *Aider.parser(&ctx, None).unwrap(),
        usize::MAX,
    );
    let mut parser = Aider.parser(&ctx, None).unwrap();
    let mut reader = LineReader::new(ChunkedReader::new(data, sizes), 0, cap);
    let mut records = Vec::new();
    let mut outcomes = Vec::new();
    while let Some(frame) = reader.next_frame().unwrap() {
        outcomes.push(match frame {
            Frame::TooLong { start, .. } => (start, LineOutcome::Skipped(SkipReason::TooLong)),
            Frame::Line { bytes, start } if bytes.iter().all(u8::is_ascii_whitespace) => {
                (start, LineOutcome::Ignored)
            }
            Frame::Line { bytes, start } if bytes.contains(&0) => {
                (start, LineOutcome::Skipped(SkipReason::Binary))
            }
            Frame::Line { bytes, start } => (start, parser.parse_line(bytes, &mut records)),
        });
    }
    assert_eq!(outcomes, whole.outcomes);
    assert_eq!(records, whole.records);
    assert_eq!(reader.offset(), whole.offset);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Stopping after any line and resuming from the checkpoint (offset and parser state)
    /// equals one uninterrupted pass; reading in chunks equals reading whole.
    #[test]
    fn resume_and_chunks_equal_one_pass(
        events in prop::collection::vec(ev(), 0..40),
        crlf in prop::collection::vec(any::<bool>(), 40),
        cap in prop::sample::select(vec![64usize, 1024, 1 << 20]),
        stop in any::<u16>(),
        cut_tail in prop::sample::select(vec![0usize, 0, 1, 5]),
        sizes in prop::collection::vec(0usize..200, 0..6),
    ) {
        let mut data = build(&events, &crlf);
        // Sometimes a half-written last line.
        data.truncate(data.len().saturating_sub(cut_tail));
        check_provider_resume(&Aider, REL, &data, cap, usize::from(stop));
        check_chunked(&data, cap, sizes);
    }
}

/// Resuming at every line of every fixture equals one pass.
#[test]
fn fixtures_resume_at_every_line() {
    let dir = Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aider");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let lines = data.iter().filter(|&&b| b == b'\n').count();
        for stop in 0..=lines {
            check_provider_resume(&Aider, REL, &data, 1 << 20, stop);
        }
        check_chunked(&data, 1 << 20, vec![1, 7, 0, 300]);
    }
}
