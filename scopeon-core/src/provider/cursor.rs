//! Cursor (the IDE): per-reply token counts from its global `state.vscdb`.
//!
//! Cursor keeps chats in the key-value table `cursorDiskKV` of that SQLite database; each
//! assistant message (`bubbleId:<composerId>:<bubbleId>`) carries Cursor's own token estimate.
//! The reader never touches `ItemTable` (credentials) and never selects a `value`: SQLite's
//! `json_extract` returns only the scalars at fixed paths ([`BUBBLES_SQL`], [`COMPOSER_SQL`]).
//! Records are flagged `estimated` and keyed by the bubble's row key. The database is opened
//! immutable ([`Provider::database_immutable`]) and read incrementally by rowid
//! ([`high_water_mark`], re-reading a [`WINDOW`] below it).
//!
//! Format notes and every decision: `docs/providers/cursor.md`.

use std::collections::HashMap;

use camino::Utf8PathBuf;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use super::sql_table::table_columns;
use super::sql_value;
use super::{
    DatabaseError, DatabaseRead, LineParser, Provider, SkipReason, SourceContext, SourceKind,
    StateError,
};
use crate::env::Env;
use crate::record::{ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id};

/// The Cursor provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cursor;

/// The table holding Cursor's chats.
pub const TABLE: &str = "cursorDiskKV";

/// The key prefix of a message ("bubble") row: `bubbleId:<composerId>:<bubbleId>`.
pub const BUBBLE_PREFIX: &str = "bubbleId:";

/// The key prefix of a chat ("composer") row: `composerData:<composerId>`.
pub const COMPOSER_PREFIX: &str = "composerData:";

/// The bubbles above a rowid, as metadata only. Columns: rowid, key, whether the value is valid
/// JSON (`NULL` for a `NULL` value), then the scalars at `type`, `createdAt`,
/// `tokenCount.inputTokens`, `tokenCount.outputTokens` and `modelInfo.modelName` (each `NULL`
/// when absent, when the value is not valid JSON, or when the path holds an object or array).
///
/// `?1` is the first rowid to read. `CASE` evaluates its branches in order, so no JSON
/// function ever sees a value `json_valid` rejected (on which `json_extract` would raise an
/// error and end the query).
pub const BUBBLES_SQL: &str = "
SELECT rid, key, ok,
  CASE WHEN ok IS NOT 1 THEN NULL
       WHEN json_type(v, '$.type') IN ('integer', 'real', 'text')
       THEN json_extract(v, '$.type') END,
  CASE WHEN ok IS NOT 1 THEN NULL
       WHEN json_type(v, '$.createdAt') IN ('integer', 'real', 'text')
       THEN json_extract(v, '$.createdAt') END,
  CASE WHEN ok IS NOT 1 THEN NULL
       WHEN json_type(v, '$.tokenCount.inputTokens') IN ('integer', 'real', 'text')
       THEN json_extract(v, '$.tokenCount.inputTokens') END,
  CASE WHEN ok IS NOT 1 THEN NULL
       WHEN json_type(v, '$.tokenCount.outputTokens') IN ('integer', 'real', 'text')
       THEN json_extract(v, '$.tokenCount.outputTokens') END,
  CASE WHEN ok IS NOT 1 THEN NULL
       WHEN json_type(v, '$.modelInfo.modelName') = 'text'
       THEN json_extract(v, '$.modelInfo.modelName') END
FROM (
  SELECT rowid AS rid, key, CAST(value AS TEXT) AS v, json_valid(CAST(value AS TEXT)) AS ok
  FROM cursorDiskKV
  WHERE key GLOB 'bubbleId:*' AND rowid >= ?1
)
ORDER BY rid";

/// A composer's `createdAt` (the chat's start), by the composer row's key (`?1`); `NULL` when
/// the value is not valid JSON or has no scalar there.
pub const COMPOSER_SQL: &str = "
SELECT CASE WHEN ok IS NOT 1 THEN NULL
            WHEN json_type(v, '$.createdAt') IN ('integer', 'real', 'text')
            THEN json_extract(v, '$.createdAt') END
FROM (
  SELECT rowid AS rid, CAST(value AS TEXT) AS v, json_valid(CAST(value AS TEXT)) AS ok
  FROM cursorDiskKV
  WHERE key = ?1
)
ORDER BY rid DESC
LIMIT 1";

/// Rows at and below the high-water mark read again on every incremental read (see the module
/// documentation).
pub const WINDOW: i64 = 256;

/// Anchors kept in a state: the row at or below `mark − WINDOW·2ᵏ`, for k below this (down to
/// eight million rows under the mark).
const ANCHORS: u32 = 16;

/// The rowid high-water mark stored in a state written by [`Cursor`]'s `read_database`, or
/// `None` for a state that is empty (an empty table) or not one of its own.
pub fn high_water_mark(state: &[u8]) -> Option<i64> {
    decode_state(state).map(|(mark, _)| mark)
}

/// A state: the mark, then `(rowid, key hash)` anchors, all little-endian.
fn decode_state(state: &[u8]) -> Option<(i64, Vec<(i64, u64)>)> {
    let (mark, anchors) = state.split_first_chunk::<8>()?;
    if anchors.len() % 16 != 0 {
        return None;
    }
    let anchors = anchors
        .chunks_exact(16)
        .map(|c| {
            let (rowid, hash) = c.split_at(8);
            Some((
                i64::from_le_bytes(rowid.try_into().ok()?),
                u64::from_le_bytes(hash.try_into().ok()?),
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((i64::from_le_bytes(*mark), anchors))
}

/// The state after reading a table whose largest rowid is `max` (empty for an empty table).
fn encode_state(db: &Connection, max: Option<i64>) -> Result<Vec<u8>, DatabaseError> {
    let Some(max) = max else {
        return Ok(Vec::new());
    };
    let mut state = max.to_le_bytes().to_vec();
    let mut last = None;
    for k in 0..ANCHORS {
        let Some(target) = max.checked_sub(WINDOW << k) else {
            break;
        };
        let Some((rowid, hash)) = row_at_or_below(db, target)? else {
            break;
        };
        if last != Some(rowid) {
            state.extend(rowid.to_le_bytes());
            state.extend(hash.to_le_bytes());
            last = Some(rowid);
        }
    }
    Ok(state)
}

/// The rowid and key hash of the row at or below `rowid`.
fn row_at_or_below(db: &Connection, rowid: i64) -> Result<Option<(i64, u64)>, DatabaseError> {
    Ok(db
        .query_row(
            "SELECT rowid, CAST(key AS BLOB) FROM cursorDiskKV WHERE rowid <= ?1
             ORDER BY rowid DESC LIMIT 1",
            [rowid],
            |r| Ok((r.get(0)?, key_hash(r.get_ref(1)?))),
        )
        .optional()?)
}

/// Whether no anchor's rowid holds another key now (a row that is gone proves nothing: a
/// `REPLACE` moves rows up).
fn anchors_hold(db: &Connection, anchors: &[(i64, u64)]) -> Result<bool, DatabaseError> {
    for (rowid, hash) in anchors {
        if key_hash_at(db, *rowid)?.is_some_and(|now| now != *hash) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The hash identifying the row at a rowid (its key's bytes), `None` when there is no row.
fn key_hash_at(db: &Connection, rowid: i64) -> Result<Option<u64>, DatabaseError> {
    Ok(db
        .query_row(
            "SELECT CAST(key AS BLOB) FROM cursorDiskKV WHERE rowid = ?1",
            [rowid],
            |r| Ok(key_hash(r.get_ref(0)?)),
        )
        .optional()?)
}

/// The hash of a key's bytes.
fn key_hash(key: ValueRef<'_>) -> u64 {
    match key {
        ValueRef::Blob(b) | ValueRef::Text(b) => crate::hash::fnv1a64(b),
        _ => crate::hash::fnv1a64(b""),
    }
}

impl Provider for Cursor {
    fn id(&self) -> ProviderId {
        ProviderId::Cursor
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// `$XDG_CONFIG_HOME/Cursor/User/globalStorage` (Linux) and
    /// `~/Library/Application Support/Cursor/User/globalStorage` (macOS); see docs/roots.md.
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        let mut roots = Vec::new();
        if let Some(config) = env.xdg_config_home() {
            roots.push(config.join("Cursor/User/globalStorage"));
        }
        if let Some(home) = env.home() {
            roots.push(home.join("Library/Application Support/Cursor/User/globalStorage"));
        }
        roots
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &["state.vscdb"]
    }

    fn source_kind(&self, _relative_path: &camino::Utf8Path) -> SourceKind {
        SourceKind::Database
    }

    fn database_immutable(&self) -> bool {
        true
    }

    fn read_database(
        &self,
        _ctx: &SourceContext,
        db: &Connection,
        state: Option<&[u8]>,
        out: &mut Vec<UsageRecord>,
    ) -> Result<DatabaseRead, DatabaseError> {
        read_bubbles(db, state, out)
    }

    /// Never used: Cursor's only source is its database. Any line is ignored.
    fn parser(
        &self,
        _ctx: &SourceContext,
        _state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(super::NoLines))
    }
}

/// Reads the bubbles above the stored high-water mark and the [`WINDOW`] below it; all of them
/// without a mark, or when rowids under the mark may have been handed out again.
fn read_bubbles(
    db: &Connection,
    state: Option<&[u8]>,
    out: &mut Vec<UsageRecord>,
) -> Result<DatabaseRead, DatabaseError> {
    // Only an ordinary table is read: a view or virtual table of that name is an error.
    if table_columns(db, TABLE)?.is_none() {
        return Err(DatabaseError(format!(
            "no {TABLE} table: not a Cursor global state database, or one of a Cursor \
             version that keeps its chats elsewhere"
        )));
    }
    let max: Option<i64> = db.query_row("SELECT max(rowid) FROM cursorDiskKV", [], |r| r.get(0))?;
    // The stored mark holds unless rowids at or below it may have been handed out again.
    let mark = match (state.and_then(decode_state), max) {
        (Some((mark, anchors)), Some(max)) if mark <= max && anchors_hold(db, &anchors)? => {
            Some(mark)
        }
        _ => None,
    };
    let mut read = DatabaseRead {
        state: encode_state(db, max)?,
        full: mark.is_none(),
        skipped: Vec::new(),
    };
    let first = mark.map_or(i64::MIN, |m| m.saturating_sub(WINDOW).saturating_add(1));
    // A row of the window was read before: its skip was counted then.
    let mut skip = |rowid: i64, reason: SkipReason| {
        if mark.is_none_or(|m| rowid > m) {
            read.skipped
                .push((u64::try_from(rowid).unwrap_or(0), reason));
        }
    };
    let mut composers = Composers {
        stmt: db.prepare(COMPOSER_SQL)?,
        times: HashMap::new(),
    };
    let mut stmt = db.prepare(BUBBLES_SQL)?;
    let mut rows = stmt.query([first])?;
    while let Some(row) = rows.next()? {
        let rowid: i64 = row.get(0)?;
        let key = match row.get_ref(1)? {
            ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        let bubble = match row.get_ref(2)? {
            ValueRef::Null => continue,
            ValueRef::Integer(1) => Bubble {
                kind: sql_value::count(row.get_ref(3)?),
                created_ms: sql_value::stamp(row.get_ref(4)?),
                input: sql_value::count(row.get_ref(5)?),
                output: sql_value::count(row.get_ref(6)?),
                model: sql_value::text(row.get_ref(7)?),
            },
            _ => {
                skip(rowid, SkipReason::InvalidJson);
                continue;
            }
        };
        match bubble.record(&key, &mut composers)? {
            Ok(Some(record)) => out.push(record),
            Ok(None) => {}
            Err(reason) => skip(rowid, reason),
        }
    }
    Ok(read)
}

/// Composer start times, looked up once per composer and only for bubbles that need one.
struct Composers<'db> {
    stmt: rusqlite::Statement<'db>,
    times: HashMap<String, Option<i64>>,
}

impl Composers<'_> {
    fn created_ms(&mut self, composer: &str) -> Result<Option<i64>, DatabaseError> {
        if let Some(t) = self.times.get(composer) {
            return Ok(*t);
        }
        let key = format!("{COMPOSER_PREFIX}{composer}");
        let t = self
            .stmt
            .query_row([key], |r| Ok(sql_value::stamp(r.get_ref(0)?)))
            .optional()?
            .flatten();
        self.times.insert(composer.to_owned(), t);
        Ok(t)
    }
}

/// The metadata of one bubble row.
struct Bubble {
    kind: u64,
    created_ms: Option<i64>,
    input: u64,
    output: u64,
    model: Option<String>,
}

/// The assistant bubble type.
const ASSISTANT: u64 = 2;

impl Bubble {
    /// The bubble's record; `Ok(None)` when it carries no usage; `Err` with the skip reason
    /// when it carries usage but cannot be placed (no ids in its key, no time).
    fn record(
        self,
        key: &str,
        composers: &mut Composers<'_>,
    ) -> Result<Result<Option<UsageRecord>, SkipReason>, DatabaseError> {
        if self.kind != ASSISTANT {
            return Ok(Ok(None));
        }
        let tokens = TokenCounts {
            input: self.input,
            output: self.output,
            ..TokenCounts::default()
        };
        if tokens.is_zero() {
            return Ok(Ok(None));
        }
        let Some((composer, _bubble)) = split_key(key) else {
            return Ok(Err(SkipReason::MissingField));
        };
        let timestamp_ms = match self.created_ms {
            Some(t) => t,
            None => match composers.created_ms(composer)? {
                Some(t) => t,
                None => return Ok(Err(SkipReason::MissingField)),
            },
        };
        let model = self
            .model
            .filter(|m| !m.trim().is_empty() && !m.trim().eq_ignore_ascii_case("default"));
        Ok(Ok(Some(UsageRecord {
            provider: ProviderId::Cursor,
            session: bounded_id(composer),
            project: None,
            model: model.as_deref().map(bounded_id),
            timestamp_ms,
            dedup_key: bounded_id(key),
            message_id: None,
            flags: RecordFlags {
                estimated: true,
                ..RecordFlags::default()
            },
            tokens,
            reported_cost_pusd: None,
            requests: 1,
            premium_requests_milli: 0,
        })))
    }
}

/// The composer and bubble ids of a bubble key, both non-empty.
pub(crate) fn split_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(BUBBLE_PREFIX)?;
    let (composer, bubble) = rest.split_once(':')?;
    (!composer.is_empty() && !bubble.is_empty()).then_some((composer, bubble))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSER: &str = "2b7c1d9e-0000-4000-8000-0000000000c1";

    fn db() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
             CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);",
        )
        .unwrap();
        db
    }

    fn put(db: &Connection, key: &str, value: &str) {
        db.execute(
            "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
            (key, value.as_bytes()),
        )
        .unwrap();
    }

    fn bubble_key(n: u32) -> String {
        format!("{BUBBLE_PREFIX}{COMPOSER}:b1000000-0000-4000-8000-{n:012}")
    }

    fn read(db: &Connection, state: Option<&[u8]>) -> (Vec<UsageRecord>, DatabaseRead) {
        let mut out = Vec::new();
        let read = Cursor
            .read_database(&SourceContext::new("state.vscdb"), db, state, &mut out)
            .unwrap();
        (out, read)
    }

    #[test]
    fn worked_example_rows() {
        let db = db();
        put(
            &db,
            &format!("{COMPOSER_PREFIX}{COMPOSER}"),
            r#"{"composerId":"2b7c1d9e-0000-4000-8000-0000000000c1","createdAt":1761820000000,"lastUpdatedAt":1761820090000,"unifiedMode":"agent","fullConversationHeadersOnly":[]}"#,
        );
        put(
            &db,
            &bubble_key(1),
            r#"{"type":1,"tokenCount":{"inputTokens":0,"outputTokens":0}}"#,
        );
        put(
            &db,
            &bubble_key(2),
            r#"{"type":2,"createdAt":"2025-10-30T10:28:05.120Z","modelInfo":{"modelName":"default"},"tokenCount":{"inputTokens":48210,"outputTokens":1377}}"#,
        );
        let (out, read) = read(&db, None);
        assert_eq!(out.len(), 1);
        let r = &out[0];
        assert_eq!((r.tokens.input, r.tokens.output), (48210, 1377));
        assert_eq!(r.tokens.total(), 48210 + 1377);
        assert_eq!(r.model, None);
        assert_eq!(r.session, COMPOSER);
        assert_eq!(r.dedup_key, bubble_key(2));
        assert_eq!(r.timestamp_ms, 1_761_820_085_120);
        assert!(r.flags.estimated);
        assert!(read.skipped.is_empty());
        assert_eq!(high_water_mark(&read.state), Some(3));
    }

    #[test]
    fn composer_time_stands_in_and_missing_time_is_a_skip() {
        let db = db();
        put(
            &db,
            &format!("{COMPOSER_PREFIX}{COMPOSER}"),
            r#"{"createdAt":1761820000000,"name":"a title"}"#,
        );
        put(
            &db,
            &bubble_key(1),
            r#"{"type":2,"tokenCount":{"inputTokens":5,"outputTokens":6}}"#,
        );
        put(
            &db,
            "bubbleId:other-composer:b",
            r#"{"type":2,"tokenCount":{"inputTokens":5,"outputTokens":6}}"#,
        );
        let (out, read) = read(&db, None);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].timestamp_ms, 1_761_820_000_000);
        assert_eq!(read.skipped, vec![(3, SkipReason::MissingField)]);
    }

    #[test]
    fn malformed_values_are_skips_and_text_values_count() {
        let db = db();
        put(&db, &bubble_key(1), r#"{"type":2,"tokenCount":{"inputT"#);
        db.execute(
            "INSERT INTO cursorDiskKV (key, value) VALUES (?1, ?2)",
            (
                bubble_key(2),
                r#"{"type":"2","createdAt":1761820000,"modelInfo":{"modelName":"claude-4.5-sonnet"},"tokenCount":{"inputTokens":"7","outputTokens":8.9}}"#,
            ),
        )
        .unwrap();
        db.execute(
            "INSERT INTO cursorDiskKV (key, value) VALUES (?1, NULL)",
            [bubble_key(3)],
        )
        .unwrap();
        // JSON text that SQLite would take for JSONB if it read the BLOB as such.
        put(&db, &bubble_key(4), "3123");
        let (out, read) = read(&db, None);
        assert_eq!(read.skipped, vec![(1, SkipReason::InvalidJson)]);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].tokens.input, out[0].tokens.output), (7, 8));
        assert_eq!(out[0].model.as_deref(), Some("claude-4.5-sonnet"));
        assert_eq!(out[0].timestamp_ms, 1_761_820_000_000);
    }

    /// Why values are cast to text: the bundled SQLite reads a BLOB that passes its JSONB
    /// checks as JSONB, so the JSON text `3123` in a BLOB would be the integer 123.
    #[test]
    fn blob_json_text_can_look_like_jsonb() {
        let db = db();
        let got: (i64, i64, i64) = db
            .query_row(
                "SELECT json_extract(?1, '$'), json_valid(?1), json_extract(CAST(?1 AS TEXT), '$')",
                [b"3123".as_slice()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(got, (123, 0, 3123));
    }

    #[test]
    fn objects_at_read_paths_are_not_extracted() {
        let db = db();
        put(
            &db,
            &bubble_key(1),
            r#"{"type":2,"createdAt":{"t":"2025-10-30T10:28:05Z"},"modelInfo":{"modelName":{"text":"SECRET"}},"tokenCount":{"inputTokens":[1],"outputTokens":{"n":2}}}"#,
        );
        put(
            &db,
            &bubble_key(2),
            r#"{"type":2,"createdAt":"2025-10-30T10:28:05Z","modelInfo":{"modelName":["x"]},"tokenCount":{"inputTokens":-4,"outputTokens":3}}"#,
        );
        let (out, read) = read(&db, None);
        assert!(read.skipped.is_empty());
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].tokens.input, out[0].tokens.output), (0, 3));
        assert_eq!(out[0].model, None);
    }

    /// Rows that are not bubbles, to push earlier rows below the window.
    fn filler(db: &Connection, n: i64) {
        for i in 0..n {
            put(db, &format!("checkpointId:{COMPOSER}:f{i}"), "{}");
        }
    }

    const REPLY: &str = r#"{"type":2,"createdAt":"2025-10-30T10:28:05Z","tokenCount":{"inputTokens":1,"outputTokens":2}}"#;

    #[test]
    fn resumes_above_the_mark_and_rescans_when_it_goes_down() {
        let db = db();
        put(&db, &bubble_key(1), REPLY);
        filler(&db, WINDOW);
        let (first, r1) = read(&db, None);
        assert_eq!(first.len(), 1);
        assert_eq!(high_water_mark(&r1.state), Some(WINDOW + 1));
        // Bubble 1 lies below the window: not read again.
        let (again, r2) = read(&db, Some(&r1.state));
        assert!(again.is_empty());
        assert_eq!(r2.state, r1.state);
        // A later copy of a bubble gets a new rowid through ON CONFLICT REPLACE.
        put(
            &db,
            &bubble_key(1),
            &REPLY.replace("\"outputTokens\":2", "\"outputTokens\":9"),
        );
        put(&db, &bubble_key(2), REPLY);
        let (next, r3) = read(&db, Some(&r1.state));
        assert_eq!(next.len(), 2);
        assert_eq!(next[0].tokens.output, 9);
        assert_eq!(high_water_mark(&r3.state), Some(WINDOW + 3));
        // A mark above every rowid (a rebuilt database) reads everything again.
        let mut beyond = r3.state.clone();
        beyond[..8].copy_from_slice(&(WINDOW + 4).to_le_bytes());
        assert_eq!(read(&db, Some(&beyond)).0.len(), 2);
        // So does a state that is not one.
        assert_eq!(read(&db, Some(b"junk")).0.len(), 2);
        assert_eq!(read(&db, Some(&r3.state[..20])).0.len(), 2);
        assert_eq!(read(&db, Some(&i64::MAX.to_le_bytes())).0.len(), 2);
        // A mark alone, without anchors, is a state too: the window holds both bubbles.
        assert_eq!(read(&db, Some(&r3.state[..8])).0, next);
    }

    #[test]
    fn the_newest_row_rewritten_in_place_is_read_again() {
        let db = db();
        filler(&db, 3);
        let zero = REPLY.replace("\"inputTokens\":1,\"outputTokens\":2", "\"inputTokens\":0");
        put(&db, &bubble_key(1), &zero);
        let (out, r1) = read(&db, None);
        assert!(out.is_empty());
        // Deleted and written again under the same key: the same rowid, new counts.
        db.execute("DELETE FROM cursorDiskKV WHERE key = ?1", [bubble_key(1)])
            .unwrap();
        put(&db, &bubble_key(1), REPLY);
        let rowid: i64 = db
            .query_row("SELECT max(rowid) FROM cursorDiskKV", [], |r| r.get(0))
            .unwrap();
        assert_eq!(Some(rowid), high_water_mark(&r1.state));
        let (out, _) = read(&db, Some(&r1.state));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].tokens.output, 2);
    }

    #[test]
    fn window_rows_are_not_skipped_twice() {
        let db = db();
        put(&db, &bubble_key(1), "{broken");
        put(&db, &bubble_key(2), REPLY);
        let (out, r1) = read(&db, None);
        assert_eq!(r1.skipped, vec![(1, SkipReason::InvalidJson)]);
        let (again, r2) = read(&db, Some(&r1.state));
        assert_eq!(again, out, "window rows give the same records again");
        assert!(r2.skipped.is_empty());
    }

    #[test]
    fn reused_rowids_below_the_window_are_read_again() {
        let db = db();
        put(&db, &bubble_key(1), REPLY);
        filler(&db, WINDOW + 10);
        let (_, r1) = read(&db, None);
        let mark = high_water_mark(&r1.state).unwrap();
        assert_eq!(mark, WINDOW + 11);
        // Everything from rowid 5 on is deleted (a deleted chat), then as many new rows are
        // written: they take rowids 5..=mark, the first ones below the window.
        db.execute("DELETE FROM cursorDiskKV WHERE rowid >= 5", [])
            .unwrap();
        for n in 100..100 + mark - 4 {
            put(&db, &bubble_key(n as u32), REPLY);
        }
        let rowid: i64 = db
            .query_row(
                "SELECT rowid FROM cursorDiskKV WHERE key = ?1",
                [bubble_key(100)],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rowid, 5);
        let (out, _) = read(&db, Some(&r1.state));
        assert_eq!(out.len() as i64, 1 + mark - 4, "everything is read again");
    }

    #[test]
    fn rows_at_and_below_zero_are_read_without_a_mark() {
        let db = db();
        let v = r#"{"type":2,"createdAt":"2025-10-30T10:28:05Z","tokenCount":{"outputTokens":2}}"#;
        db.execute(
            "INSERT INTO cursorDiskKV (rowid, key, value) VALUES (?1, ?2, ?3)",
            (i64::MIN, bubble_key(1), v),
        )
        .unwrap();
        db.execute(
            "INSERT INTO cursorDiskKV (rowid, key, value) VALUES (?1, ?2, ?3)",
            (i64::MAX, bubble_key(2), v),
        )
        .unwrap();
        let (out, r) = read(&db, None);
        assert_eq!(out.len(), 2);
        assert_eq!(high_water_mark(&r.state), Some(i64::MAX));
        // Only the window (the newest row) again.
        assert_eq!(read(&db, Some(&r.state)).0, out[1..]);
    }

    #[test]
    fn missing_table_is_a_clear_error() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE ItemTable (key TEXT, value BLOB);")
            .unwrap();
        let err = Cursor
            .read_database(
                &SourceContext::new("state.vscdb"),
                &db,
                None,
                &mut Vec::new(),
            )
            .unwrap_err();
        assert!(err.0.contains("cursorDiskKV"), "{err}");
    }

    #[test]
    fn empty_table_has_an_empty_state() {
        let db = db();
        let (out, r) = read(&db, None);
        assert!(out.is_empty());
        assert!(r.state.is_empty());
        assert_eq!(high_water_mark(&r.state), None);
    }

    #[test]
    fn keys_and_models() {
        assert_eq!(split_key("bubbleId:c:b"), Some(("c", "b")));
        assert_eq!(split_key("bubbleId:c:b:x"), Some(("c", "b:x")));
        assert_eq!(split_key("bubbleId:c"), None);
        assert_eq!(split_key("bubbleId::b"), None);
        assert_eq!(split_key("bubbleId:c:"), None);
        let db = db();
        let v = r#"{"type":2,"createdAt":"2025-10-30T10:28:05Z","modelInfo":{"modelName":"Default"},"tokenCount":{"outputTokens":2}}"#;
        put(&db, "bubbleId:c", v);
        put(&db, &bubble_key(1), v);
        put(&db, &bubble_key(2), &v.replace("Default", ""));
        put(&db, &bubble_key(3), &v.replace("Default", "gpt-5"));
        let (out, r) = read(&db, None);
        assert_eq!(r.skipped, vec![(1, SkipReason::MissingField)]);
        let models: Vec<_> = out.iter().map(|r| r.model.as_deref()).collect();
        assert_eq!(models, vec![None, None, Some("gpt-5")]);
    }

    #[test]
    fn user_and_untyped_bubbles_are_ignored() {
        let db = db();
        let v = r#"{"createdAt":"2025-10-30T10:28:05Z","tokenCount":{"inputTokens":3}}"#;
        put(&db, &bubble_key(1), v);
        put(
            &db,
            &bubble_key(2),
            &v.replace("{\"created", "{\"type\":1,\"created"),
        );
        put(
            &db,
            &bubble_key(3),
            &v.replace("{\"created", "{\"type\":3,\"created"),
        );
        let (out, r) = read(&db, None);
        assert!(out.is_empty());
        assert!(r.skipped.is_empty());
    }

    #[test]
    fn roots_follow_contracts() {
        let env = Env::isolated("/home/u");
        assert_eq!(
            Cursor.default_roots(&env),
            vec![
                Utf8PathBuf::from("/home/u/.config/Cursor/User/globalStorage"),
                Utf8PathBuf::from("/home/u/Library/Application Support/Cursor/User/globalStorage"),
            ]
        );
        let env = Env::isolated("/home/u").with_vars(&[("XDG_CONFIG_HOME", "/xdg")]);
        assert_eq!(
            Cursor.default_roots(&env)[0],
            "/xdg/Cursor/User/globalStorage"
        );
        assert_eq!(
            Cursor.source_kind(camino::Utf8Path::new("state.vscdb")),
            SourceKind::Database
        );
        assert!(Cursor.database_immutable());
    }
}
