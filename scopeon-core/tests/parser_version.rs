//! A file last read by another parser version makes the next scan rebuild its provider, so a
//! parser fix replaces what the old parser stored instead of merging onto it.

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use scopeon_core::scan::{ScanOptions, scan};
use scopeon_core::store::{ReportQuery, Store, Totals};

fn totals(store: &Store) -> Totals {
    let q = ReportQuery::new().group_by(Vec::new());
    store.report(&q).unwrap().totals
}

#[test]
fn an_outdated_parser_version_triggers_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let project = home.join(".claude/projects/p");
    std::fs::create_dir_all(&project).unwrap();
    let line = |id: &str, out: u64| {
        format!(
            r#"{{"type":"assistant","sessionId":"s","requestId":"r{id}","timestamp":"2026-11-20T10:00:00Z","message":{{"id":"m{id}","model":"claude-sonnet-4-5","usage":{{"input_tokens":1,"output_tokens":{out}}}}}}}"#
        )
    };
    std::fs::write(
        project.join("a.jsonl"),
        format!("{}\n{}\n", line("1", 10), line("2", 20)),
    )
    .unwrap();
    std::fs::write(project.join("gone.jsonl"), format!("{}\n", line("3", 30))).unwrap();
    let env = Env::isolated(home.as_str());
    let db = home.join("s.db");
    let mut store = Store::open(&db).unwrap();
    scan(&mut store, &env, &ScanOptions::default(), &mut |_| {}).unwrap();
    let good = totals(&store);
    assert_eq!((good.requests, good.output_tokens), (3, 60));
    drop(store);

    // Pretend an older parser over-counted output and wrote these checkpoints; one of the
    // logs has since been deleted by the agent.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "UPDATE records SET output = output * 10;
             UPDATE sources SET parser_version = 0;",
        )
        .unwrap();
    }
    std::fs::remove_file(project.join("gone.jsonl")).unwrap();

    let mut store = Store::open(&db).unwrap();
    let summary = scan(&mut store, &env, &ScanOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(summary.providers[0].files_read, 1);
    let after = totals(&store);
    // The surviving log is parsed afresh; the deleted log's record is kept as stored.
    assert_eq!(after.requests, 3);
    assert_eq!(after.output_tokens, 10 + 20 + 300);
    // And the next scan is incremental again.
    let again = scan(&mut store, &env, &ScanOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(again.providers[0].files_unchanged, 1);
}
