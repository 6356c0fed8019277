//! The database's content key: the random secret content hashes are sealed with before they
//! are stored (see [`crate::hash`] and docs/storage.md, "Content hashes").
//!
//! A database makes its key the first time it is opened by a version that knows about keys: a
//! new database, or an existing one right after its migrations. An existing database's stored
//! hashes are sealed then, in place and in the same transaction as the key is stored: a sealed
//! value is the key's function of the unsealed one, so nothing has to be read again and every
//! checkpoint, record and total stays exactly as it was (a rebuild instead would re-read
//! every log, and could not match records of logs that are gone to the new hashes).

use std::borrow::Cow;
use std::collections::HashMap;

use camino::Utf8Path;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::origin::origin;
use crate::hash::ContentKey;
use crate::record::ProviderId;

/// The `meta` key the secret is stored under.
const META_KEY: &str = "content_key";

/// The database's key. Migration 10 makes one for every database ([`seal_before_compaction`]);
/// a key removed by hand since is made again, and what was sealed with the lost one no
/// longer matches (those logs are read as new).
pub(super) fn ensure(conn: &mut Connection) -> rusqlite::Result<ContentKey> {
    if let Some(key) = stored(conn)? {
        return Ok(key);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have made it while this one waited for the write lock.
    if let Some(key) = stored(&tx)? {
        return Ok(key);
    }
    let key = generate(&tx)?;
    store_key(&tx, &key)?;
    tx.commit()?;
    Ok(key)
}

/// Makes the database's key if it has none yet and seals what it stored unsealed, inside the
/// migration to the compact schema: stored keys are hashes afterwards, and the line hashes in
/// them can only be sealed before.
pub(super) fn seal_before_compaction(tx: &Connection) -> rusqlite::Result<()> {
    if stored(tx)?.is_some() {
        return Ok(());
    }
    let key = generate(tx)?;
    seal_stored(tx, &key)?;
    store_key(tx, &key)
}

fn store_key(conn: &Connection, key: &ContentKey) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        params![META_KEY, key.to_hex()],
    )?;
    Ok(())
}

/// The key the database holds, if any. A value that is not a key is an error: sealing again
/// with a new key would make every stored hash unmatchable.
fn stored(conn: &Connection) -> rusqlite::Result<Option<ContentKey>> {
    let value: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |r| {
            r.get(0)
        })
        .optional()?;
    value
        .map(|v| {
            ContentKey::from_hex(&v).ok_or_else(|| {
                rusqlite::Error::ToSqlConversionFailure(
                    "the database's content_key in its meta table is damaged".into(),
                )
            })
        })
        .transpose()
}

/// 16 random bytes from the operating system: `/dev/urandom` on Unix, else SQLite's
/// `randomblob`, which its OS layer seeds from the system's generator.
fn generate(conn: &Connection) -> rusqlite::Result<ContentKey> {
    let mut bytes = [0u8; 16];
    #[cfg(unix)]
    {
        use std::io::Read;
        let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
        if read.is_ok() {
            return Ok(ContentKey::from_bytes(bytes));
        }
    }
    let blob: Vec<u8> = conn.query_row("SELECT randomblob(16)", [], |r| r.get(0))?;
    bytes.copy_from_slice(&blob[..16]);
    Ok(ContentKey::from_bytes(bytes))
}

/// Seals what an existing database stored unsealed: checkpoints' head and tail hashes, the
/// origins derived from head hashes, and the line hashes in dedup keys.
fn seal_stored(conn: &Connection, key: &ContentKey) -> rusqlite::Result<()> {
    // Origins first: each is found again from its checkpoint's unsealed identity.
    let mut origins: HashMap<i64, Option<i64>> = HashMap::new();
    {
        let mut st = conn.prepare("SELECT path, dev, ino, head_hash FROM sources")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })?;
        for row in rows {
            let (path, dev, ino, head) = row?;
            let Some(head) = head else { continue };
            let path = Utf8Path::new(&path);
            let (dev, ino) = (dev as u64, ino as u64);
            if let Some(old) = origin(path, dev, ino, Some(head)) {
                origins.insert(old, origin(path, dev, ino, Some(seal_i64(key, head))));
            }
        }
    }
    // A record whose log has no checkpoint any more keeps no origin: rebuilds keep it, as
    // they keep every record of a log that is gone.
    let mut st = conn.prepare("SELECT DISTINCT origin FROM records WHERE origin IS NOT NULL")?;
    let stored: Vec<i64> = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = conn.prepare("UPDATE records SET origin = ?2 WHERE origin = ?1")?;
    for old in stored {
        set.execute(params![old, origins.get(&old).copied().flatten()])?;
    }
    let mut st = conn.prepare("SELECT rowid, head_hash, tail_hash FROM sources")?;
    let rows: Vec<(i64, Option<i64>, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set =
        conn.prepare("UPDATE sources SET head_hash = ?2, tail_hash = ?3 WHERE rowid = ?1")?;
    for (rowid, head, tail) in rows {
        set.execute(params![
            rowid,
            head.map(|h| seal_i64(key, h)),
            seal_i64(key, tail)
        ])?;
    }
    let mut st = conn.prepare("SELECT rowid, provider, dedup_key FROM records")?;
    let rows: Vec<(i64, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = conn.prepare("UPDATE records SET dedup_key = ?2 WHERE rowid = ?1")?;
    for (rowid, provider, dedup_key) in rows {
        if let Cow::Owned(sealed) = seal_key(&provider, &dedup_key, key) {
            set.execute(params![rowid, sealed])?;
        }
    }
    Ok(())
}

/// A stored `i64` hash, sealed.
fn seal_i64(key: &ContentKey, stored: i64) -> i64 {
    key.seal_i64(u64::from_ne_bytes(stored.to_ne_bytes()))
}

/// A dedup key with its line hashes sealed. Parsers key a line that has no ids by the FNV-1a
/// hash of its bytes, written as 16 hex digits: `line:<hex>` (Claude Code, generic OpenAI,
/// Copilot CLI's `ev:<session>:line:<hex>`), `line-<hex>` (in Copilot CLI's shutdown keys),
/// or the whole key (Aider, which logs no ids at all). Each such hash is replaced by its
/// sealed value, in the same form; any other key is returned as it is.
pub(super) fn seal_key<'k>(provider: &str, dedup_key: &'k str, key: &ContentKey) -> Cow<'k, str> {
    let sealed_hex = |hex: &str| {
        u64::from_str_radix(hex, 16)
            .ok()
            .filter(|_| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|h| format!("{:016x}", key.seal(h)))
    };
    if provider == ProviderId::Aider.as_str() {
        return sealed_hex(dedup_key).map_or(Cow::Borrowed(dedup_key), Cow::Owned);
    }
    if !dedup_key.contains("line") {
        return Cow::Borrowed(dedup_key);
    }
    let mut parts: Vec<Cow<'_, str>> = dedup_key.split(':').map(Cow::Borrowed).collect();
    let mut changed = false;
    for i in 0..parts.len() {
        if parts[i] == "line"
            && let Some(sealed) = parts.get(i + 1).and_then(|next| sealed_hex(next))
        {
            parts[i + 1] = Cow::Owned(sealed);
            changed = true;
        } else if let Some(hex) = parts[i].strip_prefix("line-")
            && let Some(sealed) = sealed_hex(hex)
        {
            parts[i] = Cow::Owned(format!("line-{sealed}"));
            changed = true;
        }
    }
    if changed {
        Cow::Owned(parts.join(":"))
    } else {
        Cow::Borrowed(dedup_key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: ContentKey = ContentKey::from_bytes([3; 16]);

    #[test]
    fn line_hashes_in_keys_are_sealed_and_nothing_else() {
        let h = "0123456789abcdef";
        let s = format!("{:016x}", KEY.seal(0x0123_4567_89ab_cdef));
        assert_eq!(
            seal_key("claude_code", &format!("line:{h}"), &KEY),
            format!("line:{s}")
        );
        assert_eq!(
            seal_key("copilot_cli", &format!("ev:x:line:{h}"), &KEY),
            format!("ev:x:line:{s}")
        );
        assert_eq!(
            seal_key(
                "copilot_cli",
                &format!("ev:x:shutdown:line-{h}:gpt-5"),
                &KEY
            ),
            format!("ev:x:shutdown:line-{s}:gpt-5")
        );
        assert_eq!(seal_key("aider", h, &KEY), s);
        for kept in ["msg_1:req_1", "line:short", "ev:x:msg:line", h] {
            assert!(
                matches!(seal_key("claude_code", kept, &KEY), Cow::Borrowed(_)),
                "{kept}"
            );
        }
    }

    #[test]
    fn an_existing_database_is_sealed_in_place_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        // The schema before the compact records (migration 10), which seals first.
        super::super::schema::migrate_to(&mut conn, Utf8Path::new(":memory:"), 9).unwrap();
        let (head, tail) = (0x1111_i64, 0x2222_i64);
        let path = Utf8Path::new("/h/.claude/projects/p/a.jsonl");
        let old_origin = origin(path, 7, 9, Some(head)).unwrap();
        conn.execute(
            "INSERT INTO sources (provider, path, dev, ino, head_hash, offset, tail_hash, mtime_ns,
                 parser_version, parser_state, updated_ms)
             VALUES ('claude_code', ?1, 7, 9, ?2, 10, ?3, 0, 1, x'', 0)",
            params![path.as_str(), head, tail],
        )
        .unwrap();
        let insert = |provider: &str, dedup_key: &str, origin: Option<i64>| {
            conn.execute(
                "INSERT INTO records (provider, dedup_key, session, ts_ms, subagent, sidechain,
                     estimated, aggregate, requests, input, cache_creation, cache_5m, cache_1h,
                     cache_read, output, reasoning, total, origin)
                 VALUES (?1, ?2, 's', 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, ?3)",
                params![provider, dedup_key, origin],
            )
            .unwrap();
        };
        insert("claude_code", "line:00000000000000ab", Some(old_origin));
        insert("claude_code", "msg_1:req_1", Some(0x5555));
        insert("aider", "00000000000000cd", None);
        seal_before_compaction(&conn).unwrap();
        let key = ensure(&mut conn).unwrap();
        // Migrating again finds the key and seals nothing twice.
        seal_before_compaction(&conn).unwrap();
        assert_eq!(ensure(&mut conn).unwrap(), key);
        let (h, t): (i64, i64) = conn
            .query_row("SELECT head_hash, tail_hash FROM sources", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((h, t), (seal_i64(&key, head), seal_i64(&key, tail)));
        let rows: Vec<(String, Option<i64>)> = conn
            .prepare("SELECT dedup_key, origin FROM records ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            [
                (
                    format!("line:{:016x}", key.seal(0xab)),
                    origin(path, 7, 9, Some(h))
                ),
                // A log with no checkpoint any more: no origin.
                ("msg_1:req_1".to_owned(), None),
                (format!("{:016x}", key.seal(0xcd)), None),
            ]
        );
    }
}
