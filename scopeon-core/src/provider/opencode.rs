//! OpenCode (sst/opencode): assistant messages from its legacy JSON storage and its SQLite
//! database.
//!
//! Before 1.2 each message is one JSON file, `storage/message/<sessionID>/<id>.json`,
//! rewritten while it streams; from 1.2 on messages are rows of `opencode*.db` (`message` or
//! `session_message`). A message counts once it has completed, keyed by its id, so a migrated
//! JSON copy and its database row are one request (the database, read last, wins). Output
//! includes `tokens.reasoning`. Text (`storage/part/**`, the part table) is never read:
//! database rows are asked only for scalars ([`message_sql`]). Databases are read whole
//! whenever they change, and forks copied within one database count once.
//!
//! Format notes and every decision: `docs/providers/opencode.md`.

use std::collections::HashMap;

use camino::{Utf8Path, Utf8PathBuf};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Deserialize;

use super::lenient::{Count, Obj, Stamp, Text, Usd};
use super::sql_table::table_columns;
use super::sql_value;
use super::{
    DatabaseError, DatabaseRead, LineOutcome, LineParser, Provider, SkipReason, SourceContext,
    SourceKind, StateError,
};
use crate::env::Env;
use crate::record::{ProviderId, RecordFlags, TokenCounts, UsageRecord, bounded_id, usd_to_pusd};

/// The OpenCode provider.
#[derive(Debug, Clone, Copy, Default)]
pub struct Opencode;

impl Provider for Opencode {
    fn id(&self) -> ProviderId {
        ProviderId::Opencode
    }

    fn parser_version(&self) -> u32 {
        1
    }

    /// `$XDG_DATA_HOME/opencode`, which defaults to `~/.local/share/opencode` (docs/roots.md).
    fn default_roots(&self, env: &Env) -> Vec<Utf8PathBuf> {
        env.xdg_data_home()
            .map(|d| d.join("opencode"))
            .into_iter()
            .collect()
    }

    fn file_patterns(&self) -> &'static [&'static str] {
        &["storage/message/**/*.json", "opencode*.db"]
    }

    fn source_kind(&self, relative_path: &Utf8Path) -> SourceKind {
        if relative_path.extension() == Some("db") {
            SourceKind::Database
        } else {
            SourceKind::Document
        }
    }

    fn parse_document(
        &self,
        ctx: &SourceContext,
        bytes: &[u8],
        out: &mut Vec<UsageRecord>,
    ) -> LineOutcome {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // serde would read an array into the struct positionally; only objects are messages.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return LineOutcome::Skipped(
                if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() {
                    SkipReason::NotAnObject
                } else {
                    SkipReason::InvalidJson
                },
            );
        }
        let Ok(m) = serde_json::from_slice::<JsonMessage<'_>>(bytes) else {
            return LineOutcome::Skipped(SkipReason::InvalidJson);
        };
        let fields = m.fields(ctx);
        match fields.record() {
            Ok(Some(r)) => {
                out.push(r);
                LineOutcome::Records(1)
            }
            Ok(None) => LineOutcome::Ignored,
            Err(reason) => LineOutcome::Skipped(reason),
        }
    }

    fn read_database(
        &self,
        _ctx: &SourceContext,
        db: &Connection,
        _state: Option<&[u8]>,
        out: &mut Vec<UsageRecord>,
    ) -> Result<DatabaseRead, DatabaseError> {
        read_messages(db, out)
    }

    /// Never used: OpenCode's sources are whole JSON documents and databases.
    fn parser(
        &self,
        _ctx: &SourceContext,
        _state: Option<&[u8]>,
    ) -> Result<Box<dyn LineParser>, StateError> {
        Ok(Box::new(super::NoLines))
    }
}

// The metadata-only view of a message file. Every field is lenient, and nothing holding text
// (`summary`, `error`, `system`, `tools`, `path.root`...) is declared, so serde skips it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct JsonMessage<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(rename = "sessionID", borrow)]
    session_id: Text<'a>,
    #[serde(borrow)]
    role: Text<'a>,
    #[serde(rename = "modelID", borrow)]
    model_id: Text<'a>,
    #[serde(borrow)]
    model: Obj<ModelRef<'a>>,
    #[serde(borrow)]
    path: Obj<PathInfo<'a>>,
    time: Obj<Time>,
    cost: Usd,
    tokens: Obj<Tokens>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModelRef<'a> {
    #[serde(borrow)]
    id: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PathInfo<'a> {
    #[serde(borrow)]
    cwd: Text<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Time {
    created: Stamp,
    completed: Completed,
}

/// `time.completed`: whether it is there (see the module documentation), and its time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Completed {
    present: bool,
    ms: Option<i64>,
}

impl<'de> Deserialize<'de> for Completed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Completed, D::Error> {
        use serde::de::{self, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess};
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Completed;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a completion time")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Completed, E> {
                Ok(Completed {
                    present: v != 0,
                    ms: Stamp::deserialize(v.into_deserializer())?.0,
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Completed, E> {
                Ok(Completed {
                    present: v != 0,
                    ms: Stamp::deserialize(v.into_deserializer())?.0,
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Completed, E> {
                Ok(Completed {
                    present: v != 0.0 && !v.is_nan(),
                    ms: Stamp::deserialize(v.into_deserializer())?.0,
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Completed, E> {
                Ok(Completed {
                    present: !v.is_empty(),
                    ms: Stamp::deserialize(v.into_deserializer())?.0,
                })
            }
            fn visit_bool<E>(self, v: bool) -> Result<Completed, E> {
                Ok(Completed {
                    present: v,
                    ms: None,
                })
            }
            fn visit_unit<E>(self) -> Result<Completed, E> {
                Ok(Completed::default())
            }
            fn visit_none<E>(self) -> Result<Completed, E> {
                Ok(Completed::default())
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Completed, D::Error> {
                Completed::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Completed, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Completed::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Completed, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Completed::default())
            }
        }
        d.deserialize_any(V)
    }
}

impl Completed {
    /// `time.completed` as the database returns it (objects and arrays already `NULL`).
    fn of_sql(v: ValueRef<'_>) -> Completed {
        let present = match v {
            ValueRef::Null | ValueRef::Blob(_) => false,
            ValueRef::Integer(i) => i != 0,
            ValueRef::Real(f) => f != 0.0 && !f.is_nan(),
            ValueRef::Text(t) => !t.is_empty(),
        };
        Completed {
            present,
            ms: sql_value::stamp(v),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tokens {
    input: Count,
    output: Count,
    reasoning: Count,
    cache: Obj<Cache>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cache {
    read: Count,
    write: Count,
}

impl<'a> JsonMessage<'a> {
    /// The fields a record needs, with the file's path standing in for missing ids.
    fn fields(&'a self, ctx: &'a SourceContext) -> Fields<'a> {
        let time = self.time.0.as_ref();
        let tokens = self.tokens.0.as_ref();
        let cache = tokens.and_then(|t| t.cache.0.as_ref());
        let stem = ctx.file_stem();
        Fields {
            id: self.id.get().or((!stem.is_empty()).then_some(stem)),
            session: self.session_id.get().or_else(|| session_dir(ctx)),
            role: self.role.get(),
            model: self
                .model_id
                .get()
                .or_else(|| self.model.0.as_ref().and_then(|m| m.id.get())),
            project: self.path.0.as_ref().and_then(|p| p.cwd.get()),
            created_ms: time.and_then(|t| t.created.0),
            completed: time.map(|t| t.completed).unwrap_or_default(),
            cost_usd: self.cost.0,
            input: tokens.map_or(0, |t| t.input.0),
            output: tokens.map_or(0, |t| t.output.0),
            reasoning: tokens.map_or(0, |t| t.reasoning.0),
            cache_read: cache.map_or(0, |c| c.read.0),
            cache_write: cache.map_or(0, |c| c.write.0),
        }
    }
}

/// The session directory of `storage/message/<sessionID>/<id>.json`.
fn session_dir(ctx: &SourceContext) -> Option<&str> {
    let parts: Vec<&str> = ctx.relative_path.iter().collect();
    match parts.as_slice() {
        ["storage", "message", session, _file] if !session.is_empty() => Some(session),
        _ => None,
    }
}

/// One message's metadata, from a JSON file or a database row.
#[derive(Debug, Clone, Default, PartialEq)]
struct Fields<'a> {
    id: Option<&'a str>,
    session: Option<&'a str>,
    role: Option<&'a str>,
    model: Option<&'a str>,
    project: Option<&'a str>,
    created_ms: Option<i64>,
    completed: Completed,
    cost_usd: Option<f64>,
    input: u64,
    output: u64,
    reasoning: u64,
    cache_read: u64,
    cache_write: u64,
}

impl Fields<'_> {
    /// The message's record; `Ok(None)` when it does not count (not an assistant message, not
    /// completed, no usage); `Err` when it would count but lacks an id, a session or a time.
    fn record(&self) -> Result<Option<UsageRecord>, SkipReason> {
        if self.role != Some("assistant") {
            return Ok(None);
        }
        if !self.completed.present {
            return Ok(None);
        }
        let tokens = TokenCounts {
            input: self.input,
            cache_creation: self.cache_write,
            cache_creation_5m: 0,
            cache_creation_1h: 0,
            cache_read: self.cache_read,
            output: self.output.saturating_add(self.reasoning),
            reasoning: self.reasoning,
        };
        if tokens.is_zero() {
            return Ok(None);
        }
        let (Some(id), Some(session), Some(timestamp_ms)) =
            (self.id, self.session, self.created_ms.or(self.completed.ms))
        else {
            return Err(SkipReason::MissingField);
        };
        Ok(Some(UsageRecord {
            provider: ProviderId::Opencode,
            session: bounded_id(session),
            project: self.project.map(bounded_id),
            model: self.model.map(bounded_id),
            timestamp_ms,
            dedup_key: bounded_id(id),
            message_id: None,
            flags: RecordFlags::default(),
            tokens,
            reported_cost_pusd: self.cost_usd.filter(|c| *c > 0.0).and_then(usd_to_pusd),
            requests: 1,
            premium_requests_milli: 0,
        }))
    }
}

/// A message table of OpenCode's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    /// v1: `message(id, session_id, data)`.
    Message,
    /// v2: `session_message(id, session_id, type, data)`.
    SessionMessage,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Message => "message",
            Table::SessionMessage => "session_message",
        }
    }
}

/// The scalar at `path` of the JSON `d` (see [`message_sql`]), `NULL` when `d` is not valid
/// JSON or the path holds an object or an array.
fn scalar(path: &str) -> String {
    format!(
        "CASE WHEN ok IS NOT 1 THEN NULL \
         WHEN json_type(d, '{path}') IN ('integer', 'real', 'text') \
         THEN json_extract(d, '{path}') END"
    )
}

/// The query reading one message table. Columns: rowid, id, session, whether `data` is valid
/// JSON (`NULL` for a `NULL` value), role, `modelID`, `model.id`, `path.cwd`, `time.created`,
/// `time.completed`, `cost`, `tokens.input`, `tokens.output`, `tokens.reasoning`,
/// `tokens.cache.read`, `tokens.cache.write`, and the session's `directory` (when a `session`
/// table with that column exists; `NULL` otherwise).
///
/// `data` is read as text (`CAST`), never as JSONB, and no JSON function sees a value
/// `json_valid` rejected: `CASE` evaluates its branches in order. Only these paths are
/// extracted; the row's text never leaves SQLite.
pub fn message_sql(table: &str, has_type: bool, session_directory: bool) -> String {
    let role = if has_type {
        // v2 keeps the role in its `type` column; the JSON's `role` is the fallback.
        format!(
            "CASE WHEN typeof(m.type) = 'text' AND m.type <> '' THEN m.type ELSE {} END",
            scalar("$.role")
        )
    } else {
        scalar("$.role")
    };
    // A scalar subquery, not a join: a session table without a unique id must not repeat
    // messages.
    let directory = if session_directory {
        "(SELECT s.directory FROM session AS s \
          WHERE s.id = m.session_id AND typeof(s.directory) = 'text' LIMIT 1)"
    } else {
        "NULL"
    };
    format!(
        "SELECT m.rid, \
           CASE WHEN typeof(m.id) IN ('text', 'integer') THEN m.id ELSE {id} END, \
           CASE WHEN typeof(m.session_id) IN ('text', 'integer') THEN m.session_id \
                ELSE {session} END, \
           m.ok, {role}, {model_id}, {model_ref}, {cwd}, {created}, {completed}, {cost}, \
           {input}, {output}, {reasoning}, {cache_read}, {cache_write}, {directory} \
         FROM (SELECT rowid AS rid, id, session_id{type_col}, CAST(data AS TEXT) AS d, \
                      json_valid(CAST(data AS TEXT)) AS ok \
               FROM {table}) AS m \
         ORDER BY m.rid",
        id = scalar("$.id"),
        session = scalar("$.sessionID"),
        model_id = scalar("$.modelID"),
        model_ref = scalar("$.model.id"),
        cwd = scalar("$.path.cwd"),
        created = scalar("$.time.created"),
        // `true` marks a completion too (see `Completed`).
        completed = "CASE WHEN ok IS NOT 1 THEN NULL \
             WHEN json_type(d, '$.time.completed') IN ('integer', 'real', 'text', 'true') \
             THEN json_extract(d, '$.time.completed') END",
        cost = scalar("$.cost"),
        input = scalar("$.tokens.input"),
        output = scalar("$.tokens.output"),
        reasoning = scalar("$.tokens.reasoning"),
        cache_read = scalar("$.tokens.cache.read"),
        cache_write = scalar("$.tokens.cache.write"),
        type_col = if has_type { ", type" } else { "" },
    )
}

/// A message read from the database, with the fingerprint fork copies share.
struct Candidate {
    record: UsageRecord,
    /// `time.created` as written (before the `time.completed` fallback).
    created_ms: Option<i64>,
}

impl Candidate {
    fn fingerprint(&self) -> (Option<&str>, Option<i64>, TokenCounts) {
        (
            self.record.model.as_deref(),
            self.created_ms,
            self.record.tokens,
        )
    }
}

/// Reads every message of every message table.
fn read_messages(
    db: &Connection,
    out: &mut Vec<UsageRecord>,
) -> Result<DatabaseRead, DatabaseError> {
    // Only ordinary tables are read: a view or virtual table under any of these names is an
    // error naming it.
    let session_directory = table_columns(db, "session")?
        .is_some_and(|c| c.iter().any(|n| n == "id") && c.iter().any(|n| n == "directory"));
    let mut tables = Vec::new();
    for table in [Table::Message, Table::SessionMessage] {
        if let Some(cols) = table_columns(db, table.name())? {
            let has = |n: &str| cols.iter().any(|c| c == n);
            if !(has("id") && has("session_id") && has("data")) {
                return Err(DatabaseError(format!(
                    "table {} lacks one of the columns id, session_id, data",
                    table.name()
                )));
            }
            tables.push((table, has("type")));
        }
    }
    if tables.is_empty() {
        return Err(DatabaseError(
            "no message or session_message table: not an OpenCode database, or one of an \
             OpenCode version Scopeon does not know"
                .to_owned(),
        ));
    }
    // Read whole every time: `full`, so the source's counters describe this read.
    let mut read = DatabaseRead {
        full: true,
        ..DatabaseRead::default()
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    for (table, has_type) in tables {
        let sql = message_sql(table.name(), has_type, session_directory);
        let mut stmt = db.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let rowid: i64 = row.get(0)?;
            match row.get_ref(3)? {
                ValueRef::Null => continue,
                ValueRef::Integer(1) => {}
                _ => {
                    read.skipped
                        .push((u64::try_from(rowid).unwrap_or(0), SkipReason::InvalidJson));
                    continue;
                }
            }
            let text = |i: usize| row.get_ref(i).map(sql_value::text);
            let (id, session, role, model_id, model_ref, cwd, directory) = (
                text(1)?,
                text(2)?,
                text(4)?,
                text(5)?,
                text(6)?,
                text(7)?,
                text(16)?,
            );
            let count = |i: usize| row.get_ref(i).map(sql_value::count);
            let fields = Fields {
                id: id.as_deref(),
                session: session.as_deref(),
                role: role.as_deref(),
                model: model_id.as_deref().or(model_ref.as_deref()),
                project: cwd.as_deref().or(directory.as_deref()),
                created_ms: sql_value::stamp(row.get_ref(8)?),
                completed: Completed::of_sql(row.get_ref(9)?),
                cost_usd: sql_value::usd(row.get_ref(10)?),
                input: count(11)?,
                output: count(12)?,
                reasoning: count(13)?,
                cache_read: count(14)?,
                cache_write: count(15)?,
            };
            match fields.record() {
                Ok(Some(record)) => candidates.push(Candidate {
                    record,
                    created_ms: fields.created_ms,
                }),
                Ok(None) => {}
                Err(reason) => read
                    .skipped
                    .push((u64::try_from(rowid).unwrap_or(0), reason)),
            }
        }
    }
    out.extend(without_fork_copies(candidates));
    Ok(read)
}

/// The candidates without fork copies: of messages sharing model, `time.created` and every
/// counter, only the one with the smallest id is kept. Order is otherwise preserved.
fn without_fork_copies(candidates: Vec<Candidate>) -> Vec<UsageRecord> {
    let mut original: HashMap<_, &str> = HashMap::new();
    for c in &candidates {
        let id = c.record.dedup_key.as_str();
        original
            .entry(c.fingerprint())
            .and_modify(|kept: &mut &str| {
                if id < *kept {
                    *kept = id;
                }
            })
            .or_insert(id);
    }
    let keep: Vec<bool> = candidates
        .iter()
        .map(|c| original.get(&c.fingerprint()) == Some(&c.record.dedup_key.as_str()))
        .collect();
    candidates
        .into_iter()
        .zip(keep)
        .filter_map(|(c, keep)| keep.then_some(c.record))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REL: &str =
        "storage/message/ses_01SYNTHoc000000000000000A/msg_01SYNTHoc0000000000000001.json";

    const EXAMPLE: &str = r#"{"id":"msg_01SYNTHoc0000000000000001","sessionID":"ses_01SYNTHoc000000000000000A","role":"assistant","parentID":"msg_01SYNTHoc0000000000000000","modelID":"claude-sonnet-4-5","providerID":"anthropic","mode":"build","path":{"cwd":"/home/dev/acme-api","root":"/home/dev/acme-api"},"time":{"created":1761901200123,"completed":1761901207456},"cost":0.0231,"tokens":{"input":1200,"output":380,"reasoning":0,"cache":{"read":22000,"write":1500}}}"#;

    fn parse(rel: &str, doc: &str) -> (LineOutcome, Vec<UsageRecord>) {
        let mut out = Vec::new();
        let outcome = Opencode.parse_document(&SourceContext::new(rel), doc.as_bytes(), &mut out);
        (outcome, out)
    }

    #[test]
    fn worked_example() {
        let (outcome, out) = parse(REL, EXAMPLE);
        assert_eq!(outcome, LineOutcome::Records(1));
        let r = &out[0];
        assert_eq!(r.dedup_key, "msg_01SYNTHoc0000000000000001");
        assert_eq!(r.session, "ses_01SYNTHoc000000000000000A");
        assert_eq!(r.project.as_deref(), Some("/home/dev/acme-api"));
        assert_eq!(r.model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(r.timestamp_ms, 1_761_901_200_123);
        assert_eq!(
            (r.tokens.input, r.tokens.cache_creation, r.tokens.cache_read),
            (1200, 1500, 22000)
        );
        assert_eq!((r.tokens.output, r.tokens.reasoning), (380, 0));
        assert_eq!(r.tokens.cache_creation_unsplit(), 1500);
        assert_eq!(r.reported_cost_pusd, Some(23_100_000_000));
        assert!(!r.flags.estimated);
    }

    #[test]
    fn unfinished_and_cost_zero_variants() {
        let streaming = EXAMPLE.replace(",\"completed\":1761901207456", "");
        assert_eq!(parse(REL, &streaming), (LineOutcome::Ignored, vec![]));
        let null_completed = EXAMPLE.replace("1761901207456", "null");
        assert_eq!(parse(REL, &null_completed).0, LineOutcome::Ignored);
        let free = EXAMPLE.replace("\"cost\":0.0231", "\"cost\":0");
        let (outcome, out) = parse(REL, &free);
        assert_eq!(outcome, LineOutcome::Records(1));
        assert_eq!(out[0].reported_cost_pusd, None);
        assert_eq!(out[0].tokens.total(), 1200 + 1500 + 22000 + 380);
    }

    #[test]
    fn reasoning_is_part_of_output() {
        let doc = EXAMPLE.replace("\"reasoning\":0", "\"reasoning\":120");
        let (_, out) = parse(REL, &doc);
        assert_eq!((out[0].tokens.output, out[0].tokens.reasoning), (500, 120));
        let huge = EXAMPLE.replace(
            "\"output\":380,\"reasoning\":0",
            &format!("\"output\":{},\"reasoning\":9", u64::MAX),
        );
        assert_eq!(parse(REL, &huge).1[0].tokens.output, u64::MAX);
    }

    #[test]
    fn other_messages_are_ignored() {
        for doc in [
            r#"{"id":"msg_u","sessionID":"s","role":"user","time":{"created":1761901200000},"model":{"providerID":"anthropic","modelID":"claude-sonnet-4-5"}}"#,
            r#"{"id":"m","sessionID":"s","role":"assistant","time":{"created":1761901200000,"completed":1761901200001},"tokens":{"input":0,"output":0,"reasoning":0,"cache":{"read":0,"write":0}}}"#,
            r#"{"id":"m","role":"assistant","time":"yesterday","tokens":{"input":5}}"#,
            "{}",
        ] {
            assert_eq!(parse(REL, doc).0, LineOutcome::Ignored, "{doc}");
        }
    }

    #[test]
    fn malformed_documents_are_skips() {
        assert_eq!(
            parse(REL, "").0,
            LineOutcome::Skipped(SkipReason::InvalidJson)
        );
        assert_eq!(
            parse(REL, &EXAMPLE[..EXAMPLE.len() / 2]).0,
            LineOutcome::Skipped(SkipReason::InvalidJson)
        );
        assert_eq!(
            parse(REL, "[1]").0,
            LineOutcome::Skipped(SkipReason::NotAnObject)
        );
        assert_eq!(
            parse(REL, " 7 ").0,
            LineOutcome::Skipped(SkipReason::NotAnObject)
        );
        let bom = format!("\u{feff}{EXAMPLE}\n");
        assert_eq!(parse(REL, &bom).0, LineOutcome::Records(1));
    }

    #[test]
    fn fallbacks_for_ids_model_and_time() {
        let doc = r#"{"role":"assistant","model":{"id":"gpt-5","providerID":"openai"},"time":{"created":1761901200,"completed":1761901207},"tokens":{"input":"10","output":2.5,"cache":null}}"#;
        let (outcome, out) = parse("storage/message/ses_dir/msg_file.json", doc);
        assert_eq!(outcome, LineOutcome::Records(1));
        let r = &out[0];
        assert_eq!(r.dedup_key, "msg_file");
        assert_eq!(r.session, "ses_dir");
        assert_eq!(r.model.as_deref(), Some("gpt-5"));
        assert_eq!(r.timestamp_ms, 1_761_901_200_000);
        assert_eq!((r.tokens.input, r.tokens.output), (10, 2));
        // Without a session in the file or its path, a message that would count is a skip.
        assert_eq!(
            parse("stray.json", doc).0,
            LineOutcome::Skipped(SkipReason::MissingField)
        );
        // No created time: the completion time places it.
        let late = r#"{"id":"m","sessionID":"s","role":"assistant","time":{"completed":1761901207456},"tokens":{"output":1}}"#;
        assert_eq!(parse(REL, late).1[0].timestamp_ms, 1_761_901_207_456);
        // Completed, but with no time to place it: a skip.
        let untimed = r#"{"id":"m","sessionID":"s","role":"assistant","time":{"created":"soon","completed":true},"tokens":{"output":1}}"#;
        assert_eq!(
            parse(REL, untimed).0,
            LineOutcome::Skipped(SkipReason::MissingField)
        );
        // Any completion mark counts; its value only matters as a fallback time.
        for completed in ["true", "\"done\"", "1", "2.5"] {
            let doc = untimed
                .replace("\"soon\"", "1761901200000")
                .replace("true", completed);
            assert_eq!(parse(REL, &doc).0, LineOutcome::Records(1), "{completed}");
        }
        for completed in ["false", "\"\"", "0", "null", "{}", "[]"] {
            let doc = untimed
                .replace("\"soon\"", "1761901200000")
                .replace("true", completed);
            assert_eq!(parse(REL, &doc).0, LineOutcome::Ignored, "{completed}");
        }
    }

    #[test]
    fn roots_and_kinds() {
        let env = Env::isolated("/home/u");
        assert_eq!(
            Opencode.default_roots(&env),
            vec![Utf8PathBuf::from("/home/u/.local/share/opencode")]
        );
        let env = Env::isolated("/home/u").with_vars(&[("XDG_DATA_HOME", "/data")]);
        assert_eq!(
            Opencode.default_roots(&env),
            vec![Utf8PathBuf::from("/data/opencode")]
        );
        assert_eq!(
            Opencode.source_kind(Utf8Path::new("opencode.db")),
            SourceKind::Database
        );
        assert_eq!(
            Opencode.source_kind(Utf8Path::new("storage/message/s/m.json")),
            SourceKind::Document
        );
    }

    fn v1_db() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT, title TEXT);
             CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL,
                                   time_created INTEGER, data TEXT NOT NULL);",
        )
        .unwrap();
        db
    }

    fn add(db: &Connection, id: &str, session: &str, data: &str) {
        db.execute(
            "INSERT INTO message (id, session_id, data) VALUES (?1, ?2, ?3)",
            (id, session, data),
        )
        .unwrap();
    }

    fn read(db: &Connection) -> (Vec<UsageRecord>, DatabaseRead) {
        let mut out = Vec::new();
        let read = Opencode
            .read_database(&SourceContext::new("opencode.db"), db, None, &mut out)
            .unwrap();
        (out, read)
    }

    /// The example as OpenCode 1.2 stores it: id and sessionID moved to columns.
    fn example_data() -> String {
        EXAMPLE
            .replace("\"id\":\"msg_01SYNTHoc0000000000000001\",", "")
            .replace("\"sessionID\":\"ses_01SYNTHoc000000000000000A\",", "")
    }

    #[test]
    fn database_row_equals_json_copy() {
        let db = v1_db();
        add(
            &db,
            "msg_01SYNTHoc0000000000000001",
            "ses_01SYNTHoc000000000000000A",
            &example_data(),
        );
        let (out, read) = read(&db);
        assert!(read.skipped.is_empty());
        assert!(read.state.is_empty());
        assert_eq!(out, parse(REL, EXAMPLE).1);
    }

    #[test]
    fn database_skips_forks_and_directory() {
        let db = v1_db();
        db.execute(
            "INSERT INTO session VALUES ('ses_b', '/home/dev/other', 'SECRET TITLE')",
            [],
        )
        .unwrap();
        let no_cwd = example_data().replace(
            "\"path\":{\"cwd\":\"/home/dev/acme-api\",\"root\":\"/home/dev/acme-api\"},",
            "",
        );
        add(&db, "msg_2", "ses_b", &no_cwd);
        // A fork copy: a later id, same times and counts, another session.
        add(&db, "msg_9", "ses_fork", &example_data());
        add(&db, "msg_1", "ses_a", &example_data());
        add(&db, "msg_bad", "ses_a", "{\"role\":\"assistant\",");
        let streaming = example_data().replace(",\"completed\":1761901207456", "");
        add(&db, "msg_3", "ses_a", &streaming);
        let other = example_data().replace("\"input\":1200", "\"input\":1201");
        db.execute(
            "INSERT INTO message (id, session_id, data) VALUES (NULL, 'ses_a', ?1)",
            [&other],
        )
        .unwrap();
        let (out, read) = read(&db);
        let keys: Vec<_> = out.iter().map(|r| r.dedup_key.as_str()).collect();
        // msg_2 and msg_9 share msg_1's model, creation time and counts (the project and the
        // session are not part of the fingerprint): fork copies of it, kept once under the
        // smallest id. The streaming msg_3 does not count; the row without an id would.
        assert_eq!(keys, vec!["msg_1"]);
        assert_eq!(
            read.skipped,
            vec![(4, SkipReason::InvalidJson), (6, SkipReason::MissingField)]
        );
    }

    #[test]
    fn session_directory_is_the_fallback_project() {
        let db = v1_db();
        db.execute(
            "INSERT INTO session VALUES ('ses_b', '/home/dev/other', 'SECRET TITLE')",
            [],
        )
        .unwrap();
        let no_cwd = example_data().replace(
            "\"path\":{\"cwd\":\"/home/dev/acme-api\",\"root\":\"/home/dev/acme-api\"},",
            "",
        );
        add(&db, "msg_2", "ses_b", &no_cwd);
        let (out, _) = read(&db);
        assert_eq!(out[0].project.as_deref(), Some("/home/dev/other"));
        assert_eq!(out[0].session, "ses_b");
    }

    #[test]
    fn v2_table() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE session_message (id TEXT PRIMARY KEY, session_id TEXT, type TEXT, data TEXT);",
        )
        .unwrap();
        let data = r#"{"model":{"id":"claude-opus-4-5","providerID":"anthropic"},"path":{"cwd":"/w"},"time":{"created":1761901200123,"completed":1761901207456},"cost":"0.5","tokens":{"input":3,"output":4,"reasoning":5,"cache":{"read":6,"write":7}}}"#;
        db.execute(
            "INSERT INTO session_message VALUES ('msg_v2', 'ses_v2', 'assistant', ?1)",
            [data],
        )
        .unwrap();
        db.execute(
            "INSERT INTO session_message VALUES ('msg_user', 'ses_v2', 'user', ?1)",
            [data],
        )
        .unwrap();
        let (out, read) = read(&db);
        assert!(read.skipped.is_empty());
        assert_eq!(out.len(), 1);
        let r = &out[0];
        assert_eq!(r.model.as_deref(), Some("claude-opus-4-5"));
        assert_eq!(
            (
                r.tokens.input,
                r.tokens.output,
                r.tokens.reasoning,
                r.tokens.cache_read,
                r.tokens.cache_creation
            ),
            (3, 9, 5, 6, 7)
        );
        assert_eq!(r.reported_cost_pusd, Some(500_000_000_000));
    }

    #[test]
    fn missing_tables_are_a_clear_error() {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE part (id TEXT, data TEXT);")
            .unwrap();
        let err = Opencode
            .read_database(
                &SourceContext::new("opencode.db"),
                &db,
                None,
                &mut Vec::new(),
            )
            .unwrap_err();
        assert!(err.0.contains("message"), "{err}");
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch("CREATE TABLE message (id TEXT, body TEXT);")
            .unwrap();
        assert!(
            Opencode
                .read_database(
                    &SourceContext::new("opencode.db"),
                    &db,
                    None,
                    &mut Vec::new()
                )
                .is_err()
        );
    }
}
