//! Checkpoints written before the scanner kept its mark of a document skipped for its size
//! apart from the parser's state: they stored `too_long:<cap>` as the parser state. A database
//! holding them must keep working: the document stays skipped while the cap is not raised
//! above the stored one, and is read once it is.

use camino::Utf8PathBuf;
use scopeon_core::env::Env;
use scopeon_core::provider::SkipReason;
use scopeon_core::record::ProviderId;
use scopeon_core::scan::{ProviderScan, ScanOptions, scan};
use scopeon_core::store::{ReportQuery, Store};

/// A Gemini CLI chat: one JSON document, read whole whenever it changes.
const CHAT: &str = ".gemini/tmp/5e6f7a8b9c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b/chats/session-2025-09-20T14-05-1c2d3e4f.json";

fn scan_gemini(store: &mut Store, env: &Env, max_document: u64) -> ProviderScan {
    let options = ScanOptions::new()
        .only([ProviderId::GeminiCli])
        .max_document(max_document);
    let mut summary = scan(store, env, &options, &mut |_| {}).unwrap();
    summary.providers.remove(0)
}

fn requests(store: &Store) -> u64 {
    let q = ReportQuery::new().group_by(Vec::new());
    store.report(&q).unwrap().totals.requests
}

/// The `parser_state` column of the chat's checkpoint, read as stored.
fn stored_state(db: &Utf8PathBuf, path: &Utf8PathBuf) -> Vec<u8> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT parser_state FROM sources WHERE provider = 'gemini_cli' AND path = ?1",
        [path.as_str()],
        |r| r.get(0),
    )
    .unwrap()
}

fn set_stored_state(db: &Utf8PathBuf, path: &Utf8PathBuf, state: &[u8]) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .execute(
            "UPDATE sources SET parser_state = ?1 WHERE provider = 'gemini_cli' AND path = ?2",
            (state, path.as_str()),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_skipped_document_in_the_old_encoding_stays_skipped_until_the_cap_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    let home = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
    let chat = home.join(CHAT);
    std::fs::create_dir_all(chat.parent().unwrap()).unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gemini_cli/legacy_worked_example.json"
    );
    std::fs::copy(fixture, &chat).unwrap();
    let size = std::fs::metadata(&chat).unwrap().len();
    let env = Env::isolated(home.as_str());
    let db = home.join("db/scopeon.db");
    let mut store = Store::open(&db).unwrap();

    // Too large for the cap: skipped and counted, and marked in the form every version wrote.
    let small = size - 1;
    let p = scan_gemini(&mut store, &env, small);
    assert_eq!(p.skipped.get(SkipReason::TooLong), 1);
    assert_eq!(requests(&store), 0);
    assert_eq!(
        stored_state(&db, &chat),
        format!("too_long:{small}").as_bytes()
    );

    // An old checkpoint that was skipped under a larger cap than any used below: raising the
    // cap up to it must not read the document (the stored cap is read, not ignored)...
    set_stored_state(&db, &chat, format!("too_long:{}", size + 10).as_bytes());
    let p = scan_gemini(&mut store, &env, size + 10);
    assert_eq!((p.files_unchanged, p.files_read), (1, 0));
    assert_eq!(requests(&store), 0);

    // ...and raising it above reads it whole, replacing the mark with an empty state.
    let p = scan_gemini(&mut store, &env, size + 11);
    assert_eq!((p.files_unchanged, p.files_read), (0, 1));
    assert_eq!(p.skipped.get(SkipReason::TooLong), 0);
    let stored = requests(&store);
    assert!(stored > 0);
    assert_eq!(stored_state(&db, &chat), b"");

    // Then it is settled at any cap that still holds it.
    let p = scan_gemini(&mut store, &env, size);
    assert_eq!((p.files_unchanged, p.files_read), (1, 0));
    assert_eq!(requests(&store), stored);
}
