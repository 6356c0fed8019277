//! A checkpoint whose parser state does not decode (altered, cut, or written by a Scopeon that
//! encoded it differently) costs a re-read of the file from its start, never a wrong resume:
//! for every provider whose line parser keeps a state, the records are then exactly those of
//! one uninterrupted read (docs/storage.md).

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::types::Value;
use scopeon_core::env::Env;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::{ScanOptions, scan};
use scopeon_core::store::Store;

/// A stateful provider, a fixture of its, and where under the home directory it is read from.
const CASES: &[(ProviderId, &str, &str)] = &[
    (
        ProviderId::Codex,
        "codex/worked_example_subagent_replay.jsonl",
        ".codex/sessions/2025/10/03/rollout-2025-10-03T11-20-41-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl",
    ),
    (
        ProviderId::GeminiCli,
        "gemini_cli/worked_example.jsonl",
        ".gemini/tmp/a3f1c2d4/chats/session-2026-05-04T08-00-5d7e9f10.jsonl",
    ),
    (
        ProviderId::Aider,
        "aider/sessions_and_resets.jsonl",
        ".aider/analytics.jsonl",
    ),
    (
        ProviderId::CopilotCli,
        "copilot_cli/worked_example.jsonl",
        ".copilot/session-state/6c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f/events.jsonl",
    ),
];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn scan_one(store: &mut Store, home: &Utf8Path, provider: ProviderId) {
    let env = Env::isolated(home.as_str());
    let options = ScanOptions::new().only([provider]);
    scan(store, &env, &options, &mut |_| {}).unwrap();
}

/// Every stored record, with its names, every column but `origin` (which names the file a
/// record was read from, not what it holds) and `key` (a line without ids is keyed by its hash
/// sealed with each database's own secret, docs/storage.md "Content hashes"), in order of
/// their values; then the file's counters of records and skipped lines.
fn records(db: &Utf8Path) -> Vec<Vec<Value>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut rows = Vec::new();
    for sql in [
        "SELECT (SELECT name FROM providers WHERE id = provider),
                (SELECT name FROM sessions WHERE id = session),
                (SELECT name FROM projects WHERE id = project),
                (SELECT name FROM models WHERE id = model), ts_ms, subagent, sidechain,
                estimated, aggregate, replay, fast, requests, input, cache_creation, cache_5m,
                cache_1h, cache_read, output, reasoning, premium_milli, cost_pusd,
                reported_cost_pusd, total
         FROM records",
        "SELECT records, skip_invalid_json, skip_not_an_object, skip_missing_field,
                skip_too_long, skip_binary FROM sources",
    ] {
        let mut st = conn.prepare(sql).unwrap();
        let columns: Vec<usize> = (0..st.column_count())
            .filter(|i| !["origin", "key"].contains(&st.column_name(*i).unwrap()))
            .collect();
        let mut found: Vec<Vec<Value>> = st
            .query_map([], |r| {
                columns.iter().map(|i| r.get::<_, Value>(*i)).collect()
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        found.sort_by_cached_key(|row| format!("{row:?}"));
        rows.extend(found);
    }
    rows
}

fn states(db: &Utf8Path) -> Vec<Vec<u8>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare("SELECT parser_state FROM sources").unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn set_states(db: &Utf8Path, state: &[u8]) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .execute("UPDATE sources SET parser_state = ?1", [state])
        .unwrap();
    assert_eq!(n, 1);
}

/// The records of the whole file read once, into a fresh database.
fn one_pass(provider: ProviderId, rel: &str, bytes: &[u8]) -> Vec<Vec<Value>> {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let file = home.join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let db = home.join("db/scopeon.db");
    let mut store = Store::open(&db).unwrap();
    scan_one(&mut store, &home, provider);
    records(&db)
}

#[test]
fn an_unreadable_state_makes_a_re_read_that_yields_one_passs_records() {
    for (provider, name, rel) in CASES {
        let bytes = fixture(name);
        let whole = one_pass(*provider, rel, &bytes);
        assert!(whole.len() > 1, "{name} yields records");
        // Stop after each line in turn; the rest is appended after the state is spoiled.
        let ends: Vec<usize> = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .map(|(i, _)| i + 1)
            .collect();
        for end in ends {
            for spoiled in [&b"\x00not a state"[..], b"{\"zz\":", b"\x01\x07", b""] {
                let dir = tempfile::tempdir().unwrap();
                let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
                let file = home.join(rel);
                std::fs::create_dir_all(file.parent().unwrap()).unwrap();
                std::fs::write(&file, &bytes[..end]).unwrap();
                let db = home.join("db/scopeon.db");
                let mut store = Store::open(&db).unwrap();
                scan_one(&mut store, &home, *provider);
                set_states(&db, spoiled);
                std::fs::write(&file, &bytes).unwrap();
                scan_one(&mut store, &home, *provider);
                assert_eq!(
                    records(&db),
                    whole,
                    "{name}: stopped at byte {end}, state {spoiled:?}"
                );
                // The re-read wrote a state in the shared encoding (or none, at the end of a
                // file whose parser has nothing to keep).
                for state in states(&db) {
                    assert!(
                        state.first() == Some(&b'{'),
                        "{name}: state after the re-read {state:?}"
                    );
                }
            }
        }
    }
}
