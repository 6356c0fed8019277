//! Target `cursor_bubble`: raw bytes as the value of Cursor bubble and composer rows.

use rusqlite::Connection;

use crate::provider::cursor::{BUBBLE_PREFIX, COMPOSER_PREFIX, Cursor, high_water_mark};
use crate::provider::{Provider, SourceContext};
use crate::record::{ProviderId, UsageRecord};

/// The composer every bubble of the check belongs to.
const COMPOSER: &str = "2b7c1d9e-0000-4000-8000-0000000000c1";

/// Target `cursor_bubble`: the input is the `value` of three rows of an in-memory
/// `cursorDiskKV`: the composer `composerData:<c>` and the bubble `bubbleId:<c>:b1` as BLOBs,
/// and the bubble `bubbleId:<c>:b2` as TEXT (the same bytes, `CAST`). An `ItemTable` holds a
/// credential row the reader must never need.
///
/// Invariants:
/// - `Cursor.read_database` never panics and never fails on a database with the table;
/// - both bubbles give the same outcome (BLOB and TEXT values are read alike): two records
///   equal but for their key, or two skips of one reason, or nothing;
/// - every record is Cursor's, flagged estimated, in the composer's session, keyed by its
///   bubble's key, with no project and never the Auto model `default`, and passes
///   [`super::check_record`];
/// - the state's mark is the table's largest rowid; reading again from it yields nothing new
///   (the rows of the re-read window give the same records again) and no skip, and keeps the
///   state;
/// - a state above the largest rowid (a rebuilt database) reads everything again, exactly as
///   the first read.
pub fn check_bubble(input: &[u8]) {
    let db = Connection::open_in_memory().expect("an in-memory database");
    db.execute_batch(
        "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
         INSERT INTO ItemTable VALUES ('cursorAuth/accessToken', 'not-a-real-token');",
    )
    .expect("schema");
    let b1 = format!("{BUBBLE_PREFIX}{COMPOSER}:b1");
    let b2 = format!("{BUBBLE_PREFIX}{COMPOSER}:b2");
    let insert = "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)";
    db.execute(insert, (format!("{COMPOSER_PREFIX}{COMPOSER}"), input))
        .expect("composer row");
    db.execute(insert, (&b1, input)).expect("blob bubble");
    db.execute(
        "INSERT INTO cursorDiskKV (key, value) VALUES (?1, CAST(?2 AS TEXT))",
        (&b2, input),
    )
    .expect("text bubble");

    let ctx = SourceContext::new("state.vscdb");
    let read = |state: Option<&[u8]>| {
        let mut out = Vec::new();
        let read = Cursor
            .read_database(&ctx, &db, state, &mut out)
            .expect("a database with cursorDiskKV is always readable");
        (out, read)
    };

    let (out, first) = read(None);
    assert_eq!(
        high_water_mark(&first.state),
        Some(3),
        "state is the max rowid"
    );
    match (out.as_slice(), first.skipped.as_slice()) {
        ([], []) => {}
        ([], [(2, a), (3, b)]) => assert_eq!(a, b, "BLOB and TEXT values skip alike"),
        ([r1, r2], []) => {
            assert_eq!(r1.dedup_key, b1);
            assert_eq!(r2.dedup_key, b2);
            let mut same = r2.clone();
            same.dedup_key.clone_from(&r1.dedup_key);
            assert_eq!(*r1, same, "BLOB and TEXT values read alike");
        }
        (records, skipped) => panic!(
            "bubbles of one value disagree: {} records, skips {skipped:?}",
            records.len()
        ),
    }
    for r in &out {
        check_cursor_record(r);
        assert_eq!(r.session, COMPOSER);
    }

    // The three rows lie in the window re-read below the mark: the same records again,
    // nothing new, and skips are not counted twice.
    let (again, second) = read(Some(&first.state));
    assert_eq!(again, out, "a second read from the state differs");
    assert!(second.skipped.is_empty(), "a second read skips rows again");
    assert_eq!(second.state, first.state);

    let mut beyond = first.state.clone();
    beyond[..8].copy_from_slice(&4i64.to_le_bytes());
    let (all, third) = read(Some(&beyond));
    assert_eq!(all, out, "a mark above every rowid reads everything");
    assert_eq!(third.skipped, first.skipped);
}

/// The invariants of one Cursor record.
fn check_cursor_record(r: &UsageRecord) {
    assert_eq!(r.provider, ProviderId::Cursor);
    assert!(r.flags.estimated, "Cursor counts are estimates");
    assert!(!r.flags.subagent && !r.flags.sidechain && !r.flags.aggregate && !r.flags.fast);
    assert_eq!(r.project, None);
    assert_eq!(r.message_id, None);
    assert_eq!(r.reported_cost_pusd, None);
    assert_eq!(r.requests, 1);
    assert!(
        r.model
            .as_deref()
            .is_none_or(|m| !m.trim().eq_ignore_ascii_case("default")),
        "Auto mode has no model"
    );
    let t = &r.tokens;
    assert_eq!(
        (
            t.cache_creation,
            t.cache_creation_5m,
            t.cache_creation_1h,
            t.cache_read,
            t.reasoning
        ),
        (0, 0, 0, 0, 0),
        "Cursor reports input and output only"
    );
    super::check_record(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_bubble() {
        check_bubble(
            br#"{"type":2,"createdAt":"2025-10-30T10:28:05.120Z","modelInfo":{"modelName":"default"},"tokenCount":{"inputTokens":48210,"outputTokens":1377}}"#,
        );
        check_bubble(b"{\"type\":2,\"tokenCount\":{\"inputT");
        check_bubble(b"");
        check_bubble(b"\xff\xfe{}");
        check_bubble(br#"{"a":12}"#);
        check_bubble(br#"{"type":2,"tokenCount":{"outputTokens":1},"createdAt":1761820000000}"#);
    }
}
